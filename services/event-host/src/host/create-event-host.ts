import type { ClickHouseClient } from '@clickhouse/client';
import { type EventPipeline, metricGroupOf } from '@engagement/event-bus/kafka';
import { createInstrumentation } from '@engagement/event-bus/runtime';
import type { HostProvision } from '@engagement/plugin-api';
import type { SearchSyncService } from '@engagement/search-sync';
import type { Logger } from 'pino';
import type { HostConfig } from '../config/host-config.js';
import { sourceTopicsOf } from '../deployment/source-topics.js';
import type { HostError } from '../errors.js';
import type { Readiness } from '../http/readiness.js';
import { createLogger } from '../logging/create-logger.js';
import type { HostMetrics } from '../metrics/host-metrics.js';
import { SinkActivity } from '../metrics/sink-activity.js';
import { type LoadedPluginPackage, loadPlugins, type ModuleImporter } from '../plugins/load-plugins.js';
import { loadedSettings, withLoadedSettings } from '../plugins/settings-provisions.js';
import { checkTablesAtBoot } from './boot-table-check.js';
import { clientsFeature } from './clients-feature.js';
import { driftCheckFeature } from './drift-check-feature.js';
import { hostProvisions, PROVIDED_BY_SETTING } from './host-provisions.js';
import { HostContainer, type HostScope, hostTokens } from './host-scope.js';
import type { HostStatus } from './host-status.js';
import { kafkaMonitorFeature } from './kafka-monitor-feature.js';
import { HostLifecycle, type ShutdownResult } from './lifecycle.js';
import { periodicReconcileFeature } from './periodic-reconcile-feature.js';
import { pipelineFeature } from './pipeline-feature.js';
import { pluginFeatures } from './plugin-features.js';
import { recomputeFeature } from './recompute-feature.js';
import { replicationSlotsFeature } from './replication-slots-feature.js';
import { samplerFeature } from './sampler-feature.js';
import { pluginPackagesWithSearch, searchSyncFeature, searchSyncToken } from './search-sync-feature.js';
import { statusServerFeature } from './status-server-feature.js';

export interface EventHostOptions {
  config: HostConfig;
  /** Defaults to a pino logger configured by `config.log`. */
  logger?: Logger;
  /** Plugin packages already loaded; by default they are imported by name from `config.plugins.packages`. */
  plugins?: readonly LoadedPluginPackage[];
  importer?: ModuleImporter;
  /** Values the host supplies for tokens plugins need (clients, lookups). */
  provisions?: readonly HostProvision[];
  /** A ClickHouse client to share (chDB allows one engine per process); the host then does not close it. */
  clickhouse?: ClickHouseClient;
}

/** A built host: `start()` connects and consumes, `stop()` drains gracefully. */
export interface EventHost {
  readonly config: HostConfig;
  readonly logger: Logger;
  readonly plugins: readonly LoadedPluginPackage[];
  readonly metrics: HostMetrics;
  /** Base URL of the HTTP endpoints once started, e.g. `http://127.0.0.1:9464`. */
  readonly url: string | undefined;
  readonly pipeline: EventPipeline;
  /** search-sync, run by the host when `meilisearch.url` is set. */
  readonly search: SearchSyncService | undefined;
  start(): Promise<void>;
  /**
   * Resolves (never rejects) with an `EH_SINK_REJECTED` error if a sink refuses work with an error retrying
   * cannot fix: consumption has stopped without committing that work; call `stop()` and exit.
   */
  readonly failed: Promise<HostError>;
  /**
   * Stops fetching, finishes in-flight work, flushes, commits, leaves the group, then closes connections.
   * Never rejects: what failed on the way down is logged and listed in the result.
   */
  stop(): Promise<ShutdownResult>;
  /** Gives up on retries in progress (second signal, passed deadline): nothing more is flushed or committed. */
  abort(): void;
  readiness(): Promise<Readiness>;
  status(): Promise<HostStatus>;
}

/**
 * Builds a host from its configuration: loads and validates the plugin packages, builds the features the
 * configuration turns on (each registers its parts in the host's container and its hooks on the lifecycle),
 * and returns the host. Nothing connects until `start()`; a bad plugin fails here.
 */
export async function createEventHost(options: EventHostOptions): Promise<EventHost> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config);
  const lifecycle = new HostLifecycle({
    logger,
    deadlineMs: config.start.deadlineMs,
    deadlineSetting: 'raise EVENT_HOST_START_DEADLINE_MS (start.deadlineMs) to wait longer',
    onStopped: (result) =>
      logger.info(
        {
          stats: scope.container.find(hostTokens.pipeline)?.stats,
          ...(result.failed.length ? { failed: result.failed.map((f) => f.name) } : {}),
        },
        'host.stopped',
      ),
  });
  const scope: HostScope = { config, logger, lifecycle, container: new HostContainer(lifecycle) };
  try {
    return await buildHost(scope, options);
  } catch (error) {
    // What was built so far is closed again: a host that failed to build holds no connection.
    await lifecycle.discard();
    throw error;
  }
}

async function buildHost(scope: HostScope, options: EventHostOptions): Promise<EventHost> {
  const { config, logger, lifecycle, container } = scope;
  const own = lifecycle.own('provisions', hostProvisions(config), (p) => p.close());
  const extra = options.provisions ?? [];
  const pluginModules = pluginPackagesWithSearch(config);
  const packages =
    options.plugins ??
    (await loadPlugins(pluginModules, {
      settings: config.plugins.settings,
      hostTokens: [...own.provisions, ...extra].map((p) => p.token),
      providedBySetting: PROVIDED_BY_SETTING,
      importer: options.importer,
    }));
  // Validated plugin settings replace the configured ones; provisions passed in win over the host's own.
  const provisions = withLoadedSettings(own.provisions, packages, extra);
  const plugins = packages.flatMap((p) => p.plugins);
  const topics = sourceTopicsOf(config, plugins);
  const listenerPlugins = new Map(plugins.flatMap((p) => p.listeners.map((l) => [l.id, p.id] as const)));
  container.provide(hostTokens.plugins, { packages, listenerPlugins });
  container.provide(hostTokens.sinkActivity, new SinkActivity());
  // The host owns the channel the pipeline reports to and the metrics count from; a subscriber that throws
  // is logged, never thrown into the data path.
  container.provide(
    hostTokens.instrumentation,
    createInstrumentation((err, event) => logger.warn({ err, event: event.type }, 'instrumentation.failed')),
  );

  // Each feature reads the parts built before it from the container: this order is the build order.
  const clients = await clientsFeature(scope, options.clickhouse);
  const search = config.meilisearch.url ? searchSyncFeature(scope) : undefined;
  const pipeline = await pipelineFeature(scope, {
    plugins,
    provisions,
    pluginModules,
    topics,
    pluginSettings: loadedSettings(config.plugins.settings, packages),
  });
  const recompute = recomputeFeature(scope);
  const kafka = kafkaMonitorFeature(scope);
  const sampler = samplerFeature(scope);
  const slots = config.postgres.url ? replicationSlotsFeature(scope) : undefined;
  const server = statusServerFeature(scope);
  const reconcile = config.reconcile.enabled ? periodicReconcileFeature(scope) : undefined;
  const drift = config.drift.intervalMs > 0 ? driftCheckFeature(scope) : undefined;

  // The start order: boot (tables, endpoints, Redis), connect (ClickHouse, Kafka, the plugins' starts,
  // pipeline, search-sync), then the periodic work. Shutdown stops them in reverse (the plugins after the
  // pipeline drained), then closes what they own.
  lifecycle.add(
    { name: 'table-check', boot: () => checkTablesAtBoot(config, plugins, logger) },
    server,
    clients,
    kafka,
    ...pluginFeatures(container.get(hostTokens.pipeline).hooks),
    pipeline,
    search,
    sampler,
    slots,
    reconcile,
    recompute,
    drift,
  );

  const running = container.get(hostTokens.pipeline);
  return {
    config,
    logger,
    plugins: packages,
    metrics: container.get(hostTokens.metrics),
    pipeline: running,
    search: container.find(searchSyncToken),
    failed: pipeline.failed,
    get url() {
      return server.url;
    },
    async start() {
      if ((await lifecycle.start()) === 'aborted') return;
      logger.info(
        {
          url: server.url,
          plugins: packages.map((p) => p.packageName),
          topics: topics.subscribe.map(String),
          groupId: config.kafka.groupId,
          metricGroupId: metricGroupOf(config.kafka.groupId),
        },
        'host.started',
      );
    },
    stop: () => lifecycle.stop(),
    abort: () => running.abort(),
    readiness: server.readiness,
    status: server.status,
  };
}
