import type { ClickHouseClient } from '@clickhouse/client';
import type { PluginDefinition } from '@engagement/event-bus';
import { createEventPipeline, type EventPipeline } from '@engagement/event-bus/kafka';
import { checkDrift } from '@engagement/event-bus/reader';
import type { HostProvision } from '@engagement/event-bus/runtime';
import { openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import { createSearchSync, type SearchSyncService } from '@engagement/search-sync';
import { Redis } from 'ioredis';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import type { Logger } from 'pino';
import { clickhouseOptions } from '../config/clickhouse-options.js';
import type { HostConfig } from '../config/host-config.js';
import { HostError } from '../errors.js';
import { HostHttpServer } from '../http/http-server.js';
import { createLogger } from '../logging/create-logger.js';
import { HostMetrics } from '../metrics/host-metrics.js';
import { PartitionLagTracker } from '../metrics/partition-lag.js';
import { ReplicationSlotMonitor } from '../metrics/replication-slots.js';
import { SinkActivity } from '../metrics/sink-activity.js';
import { StatusHistory } from '../metrics/status-history.js';
import { type LoadedPluginPackage, loadPlugins, type ModuleImporter } from '../plugins/load-plugins.js';
import { HostRecompute } from '../recompute/host-recompute.js';
import { PeriodicReconcile } from '../reconcile/periodic-reconcile.js';
import { checkTablesAtBoot } from './boot-table-check.js';
import { watermarkKeyOf } from './cache-scope.js';
import { connectDependencies, type StartWait } from './connect-dependencies.js';
import { hostProvisions, PROVIDED_BY_SETTING } from './host-provisions.js';
import { type HostStatus, statusOf } from './host-status.js';
import { KafkaHealth } from './kafka-health.js';
import { type PoolProvisionSettings, poolProvisionsModule } from './pool-provisions.js';
import { checkReadiness, type Readiness } from './readiness.js';
import { sourceTopicsOf } from './source-topics.js';

/** The package of search-sync's feed listeners, loaded whenever the host runs search-sync. */
const SEARCH_SYNC_PACKAGE = '@engagement/search-sync';

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
  /** Stops fetching, finishes in-flight work, flushes, commits, leaves the group, then closes connections. */
  stop(): Promise<void>;
  /** Gives up on retries in progress (second signal, passed deadline): nothing more is flushed or committed. */
  abort(): void;
  readiness(): Promise<Readiness>;
  status(): Promise<HostStatus>;
}

/**
 * Builds a host from its configuration: loads and validates the plugin packages, and wires the pipeline,
 * metrics, readiness and HTTP endpoints. Nothing connects until `start()`; a bad plugin fails here.
 */
export async function createEventHost(options: EventHostOptions): Promise<EventHost> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config);
  const own = hostProvisions(config);
  const extra = options.provisions ?? [];
  // Provisions passed in win over the host's own (tests replace the database client this way).
  const provisions = [
    ...own.provisions.filter((p) => !extra.some((e) => e.token.id === p.token.id)),
    ...extra,
  ];
  // With Meilisearch, search-sync's feed listeners run too: they queue the feed documents to refresh.
  const pluginPackages =
    config.meilisearch.url && !config.plugins.packages.includes(SEARCH_SYNC_PACKAGE)
      ? [...config.plugins.packages, SEARCH_SYNC_PACKAGE]
      : config.plugins.packages;
  let packages: readonly LoadedPluginPackage[];
  try {
    packages =
      options.plugins ??
      (await loadPlugins(pluginPackages, {
        settings: config.plugins.settings,
        hostTokens: provisions.map((p) => p.token),
        providedBySetting: PROVIDED_BY_SETTING,
        importer: options.importer,
      }));
  } catch (error) {
    await own.close();
    throw error;
  }
  const plugins: PluginDefinition[] = packages.flatMap((p) => p.plugins);
  const topics = sourceTopicsOf(config, plugins);
  const listenerPlugins = new Map(plugins.flatMap((p) => p.listeners.map((l) => [l.id, p.id] as const)));

  const redis = new Redis(config.redis.url!, { lazyConnect: true });
  // Readiness pings on a client of its own that fails fast while Redis is away, instead of queueing.
  const healthRedis = new Redis(config.redis.url!, { lazyConnect: true, enableOfflineQueue: false });
  for (const [name, client] of [
    ['redis', redis],
    ['redis.health', healthRedis],
  ] as const) {
    let last = 0;
    client.on('error', (err) => {
      if (Date.now() - last > 10_000) logger.warn({ err, client: name }, 'redis.connection.error');
      last = Date.now();
    });
  }
  const ownsClickHouse = !options.clickhouse;
  const clickhouse = options.clickhouse ?? (await openClickHouse(clickhouseOptions(config)));

  // Feed documents are read from the app database (load-config requires postgres.url with Meilisearch).
  const searchDb =
    config.meilisearch.url && config.postgres.url
      ? new pg.Pool({ connectionString: config.postgres.url, max: 2 })
      : undefined;
  const search = config.meilisearch.url
    ? createSearchSync({
        redis,
        clickhouse,
        postgres: searchDb,
        meilisearch: { host: config.meilisearch.url, apiKey: config.meilisearch.key },
        schedule: config.search.schedule,
        threshold: config.search.threshold,
        keyPrefix: config.search.keyPrefix,
        logger,
      })
    : undefined;

  let metrics: HostMetrics;
  const activity = new SinkActivity();
  let reportFailure!: (error: HostError) => void;
  const failed = new Promise<HostError>((resolve) => {
    reportFailure = resolve;
  });
  const pipeline = await createEventPipeline({
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    groupId: config.kafka.groupId,
    plugins,
    provisions,
    decode: {
      debezium: { topicPrefix: config.debezium.topicPrefix },
      clickhouse: config.sources.clickhouseTopics,
    },
    // Pool threads load the same packages by name and build their own provisions from these settings.
    workerThreads: config.workers,
    pluginModules: pluginPackages,
    provisionsModule: poolProvisionsModule,
    provisionsData: {
      plugins: config.plugins,
      postgres: config.postgres,
      redis: config.redis,
      meilisearch: config.meilisearch,
      search: config.search,
    } satisfies PoolProvisionSettings,
    sourceTopics: topics.subscribe,
    createTopics: topics.create,
    metricTopic: config.kafka.metricTopic,
    deadLetterTopic: config.kafka.deadLetterTopic,
    topicPartitions: config.kafka.topicPartitions,
    clickhouse,
    redis,
    searchIndexes: search?.queueNames ?? config.search.queues,
    searchQueuePrefix: `${config.search.keyPrefix}queue:`,
    cacheScope: config.cacheScope,
    resends: config.resends.enabled && { firstSeenTtlMs: config.resends.firstSeenTtlMs },
    flushIntervalMs: config.batch.flushIntervalMs,
    flushRows: config.batch.flushRows,
    maxBufferedRows: config.batch.maxBufferedRows,
    partitionsConsumedConcurrently: config.kafka.partitionsConsumedConcurrently,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    listenerMaxAttempts: config.listenerMaxAttempts,
    rollup: config.rollup?.intervalMs === 0 ? false : { intervalMs: config.rollup?.intervalMs },
    logger,
    onFatal: (error) => {
      state = 'failed';
      const reason = error instanceof Error ? error.message : String(error);
      reportFailure(
        new HostError(
          'EH_SINK_REJECTED',
          `stopped: a sink refused work with an error retrying cannot fix (${reason}); nothing of it was committed: fix the cause and restart to process it again`,
          { cause: error },
        ),
      );
    },
    observer: {
      sinkBatch: (...a) => {
        if (a[0] === 'clickhouse') activity.flush(a[1], a[2]);
        metrics.observer.sinkBatch?.(...a);
      },
      deadLetter: (...a) => {
        activity.deadLetter(a[0]);
        metrics.observer.deadLetter?.(...a);
      },
      sinkAttempt: (sink, outcome) => activity.attempt(sink, outcome),
    },
  });

  // Recompute on touch: the metrics listeners touch are recomputed from the source by one host of the group.
  const recompute = new HostRecompute(
    config,
    plugins,
    clickhouse,
    redis,
    logger.child({ component: 'recompute' }),
  );

  // The monitor fails fast: its failures are the readiness signal, so it must not retry for a minute.
  const admin: Admin = new Kafka({
    clientId: `${config.kafka.clientId}-monitor`,
    brokers: config.kafka.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 },
  }).admin();
  const kafkaHealth = new KafkaHealth();
  const lag = new PartitionLagTracker(
    admin,
    config.kafka.groupId,
    () => pipeline.consumerState,
    config.readiness.stallAfterMs,
  );
  const history = new StatusHistory();
  const bufferCapacityRows = config.batch.maxBufferedRows ?? 4 * config.batch.flushRows;
  let state: 'built' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed' = 'built';
  let stalled = false;
  let lastReady = false;
  let waitingFor: StartWait | undefined;
  const abortStart = new AbortController();
  let pipelineStarted = false;
  const sinksHealthy = () => ({ clickhouse: pipeline.ingest.isHealthy, redis: pipeline.apply.isHealthy });

  // Retained WAL of the replication slots (Debezium's): what fills the primary's disk when CDC stalls.
  const slots = config.postgres.url
    ? new ReplicationSlotMonitor(config.postgres.url, logger.child({ component: 'replication-slots' }))
    : undefined;

  metrics = new HostMetrics({
    stats: () => pipeline.stats,
    listenerPlugins,
    bufferedRows: () => pipeline.ingest.bufferedRows,
    bufferCapacityRows,
    lag: () => lag.lag(),
    consumer: () => pipeline.consumerState,
    sinksHealthy,
    ready: () => lastReady,
    search: search && (() => search.stats()),
    replicationSlots: slots && (() => slots.slots()),
    recompute: () => ({ stats: recompute.stats, pending: () => recompute.pending() }),
  });

  const periodicReconcile = config.reconcile.enabled
    ? new PeriodicReconcile({
        config,
        plugins,
        clickhouse,
        redis,
        admin,
        logger: logger.child({ component: 'reconcile' }),
        gauges: metrics.reconcile,
      })
    : undefined;

  const readiness = async (): Promise<Readiness> => {
    const r = await checkReadiness({
      lifecycle: () =>
        state === 'running'
          ? { phase: 'running' }
          : state === 'starting' || state === 'built'
            ? {
                phase: 'starting',
                detail: waitingFor
                  ? `waiting for ${waitingFor.dependency} (attempt ${waitingFor.attempt}; gives up after EVENT_HOST_START_DEADLINE_MS=${config.start.deadlineMs}): ${waitingFor.error}`
                  : undefined,
              }
            : { phase: 'stopping' },
      kafka: () => kafkaHealth.check(pipeline.consumerState.lastFailure),
      consumer: () => pipeline.consumerState,
      pingClickHouse: async () => {
        const result = await clickhouse.ping();
        if (!result.success) throw result.error;
      },
      pingRedis: () => healthRedis.ping(),
      sinksHealthy,
      stalled: () => stalled,
    });
    lastReady = r.ready;
    return r;
  };

  const status = async (): Promise<HostStatus> => {
    const searchStats = await search?.stats().catch(() => undefined);
    return statusOf({
      config,
      packages,
      history,
      lag: lag.lag(),
      stats: pipeline.stats,
      readiness: await readiness(),
      activity,
      listenerPlugins,
      buffer: { rows: pipeline.ingest.bufferedRows, capacityRows: bufferCapacityRows },
      replicationSlots: slots?.slots(),
      reconcile: periodicReconcile?.status(),
      searchSync: searchStats && {
        lastSuccessAt: searchStats.lastSuccessAt?.getTime() ?? null,
        failures: searchStats.failures,
        consecutiveFailures: searchStats.consecutiveFailures,
        queued: Object.values(searchStats.queued.metrics).reduce((n, q) => n + q, 0),
      },
    });
  };

  const title = `${config.kafka.clientId} · group ${config.kafka.groupId}`;
  const http = new HostHttpServer({
    title,
    alive: () => state !== 'failed',
    readiness,
    metrics: async () => ({ contentType: metrics.registry.contentType, body: await metrics.text() }),
    status,
  });

  let url: string | undefined;
  const timers: NodeJS.Timeout[] = [];
  let stopping: Promise<void> | undefined;

  const host: EventHost = {
    config,
    logger,
    plugins: packages,
    metrics,
    pipeline,
    search,
    failed,
    get url() {
      return url;
    },
    async start() {
      if (state !== 'built') throw new Error(`host is ${state}; build a new one to start again`);
      state = 'starting';
      try {
        await checkTablesAtBoot(config, plugins, logger);
      } catch (error) {
        state = 'failed';
        throw error;
      }
      let address: { address: string; port: number };
      try {
        address = await http.listen(config.http.port, config.http.host);
      } catch (error) {
        state = 'failed';
        throw new HostError(
          'EH_START_FAILED',
          `EVENT_HOST_HTTP_PORT (http.port): cannot listen on ${config.http.host}:${config.http.port}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      const shown = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
      url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}`;
      await Promise.all([redis.connect(), healthRedis.connect()]).catch((err) =>
        logger.warn({ err }, 'redis.unreachable_at_start'),
      );
      // Probes the brokers every 2 s once the monitor is connected: readiness and lag depend on it.
      let refreshing = false;
      const refreshLag = async () => {
        if (refreshing) return;
        refreshing = true;
        const startedAt = Date.now();
        try {
          await lag.refresh();
          kafkaHealth.probeSucceeded(startedAt);
        } catch (err) {
          kafkaHealth.failed('offset refresh', err);
          logger.debug({ err }, 'lag.refresh.failed');
        } finally {
          refreshing = false;
        }
      };
      let outcome: 'connected' | 'aborted';
      try {
        outcome = await connectDependencies({
          deadlineMs: config.start.deadlineMs,
          deadlineSetting: 'raise EVENT_HOST_START_DEADLINE_MS (start.deadlineMs) to wait longer',
          signal: abortStart.signal,
          onWaiting: (wait) => {
            waitingFor = wait;
            logger.warn(wait, 'host.start.waiting');
          },
          steps: [
            {
              dependency: 'ClickHouse',
              run: async () => {
                const result = await clickhouse.ping();
                if (!result.success) throw result.error;
              },
            },
            {
              dependency: 'Kafka',
              run: async () => {
                await admin.connect();
                await admin.describeCluster();
                if (!timers.length) timers.push(setInterval(() => void refreshLag(), 2_000));
                void refreshLag();
              },
            },
            {
              // Creates the metric table (ClickHouse), the topics, then the producer and consumer (Kafka).
              dependency: (err) => (/^KafkaJS/.test((err as Error)?.name ?? '') ? 'Kafka' : 'ClickHouse'),
              run: async () => {
                await pipeline.start();
                pipelineStarted = true;
              },
            },
            { dependency: 'search-sync', run: async () => void (await search?.start()) },
          ],
        });
      } catch (error) {
        state = 'failed';
        logger.error({ err: error }, 'host.start.failed');
        await host.stop().catch(() => undefined);
        state = 'failed';
        throw error;
      }
      if (outcome === 'aborted' || abortStart.signal.aborted) return;
      waitingFor = undefined;
      state = 'running';
      timers.push(
        setInterval(() => {
          stalled = lag.stalled();
          history.record(
            pipeline.stats,
            lag.lag().reduce((n, p) => n + (p.lag ?? 0), 0),
            pipeline.ingest.bufferedRows,
          );
        }, 1_000),
      );
      slots?.start();
      periodicReconcile?.start();
      await recompute
        .start()
        .catch((err) => logger.error({ err }, 'recompute.start.failed: touched metrics will drift'));
      if (config.drift.intervalMs > 0) {
        let checking = false;
        timers.push(
          setInterval(async () => {
            if (checking) return;
            checking = true;
            try {
              const report = await checkDrift({
                redis,
                clickhouse,
                sample: config.drift.sample,
                watermarkKey: watermarkKeyOf(config),
              });
              metrics.recordDrift(report);
              logger[report.drifted > 0 ? 'warn' : 'info'](
                { sampled: report.sampled, drifted: report.drifted, details: report.details.slice(0, 10) },
                'metrics.drift.checked',
              );
            } catch (err) {
              logger.warn({ err }, 'metrics.drift.failed');
            } finally {
              checking = false;
            }
          }, config.drift.intervalMs),
        );
      }
      logger.info(
        {
          url,
          plugins: packages.map((p) => p.packageName),
          topics: topics.subscribe.map(String),
          groupId: config.kafka.groupId,
        },
        'host.started',
      );
    },
    stop() {
      stopping ??= (async () => {
        const wasRunning = state === 'running' || pipelineStarted;
        if (state !== 'failed') state = 'stopping';
        abortStart.abort();
        for (const t of timers) clearInterval(t);
        logger.info('host.stopping');
        await periodicReconcile?.stop().catch((err) => logger.warn({ err }, 'metrics.reconcile.stop_failed'));
        try {
          await recompute.stop().catch((err) => logger.warn({ err }, 'recompute.stop.failed'));
          if (wasRunning) await pipeline.close();
        } finally {
          await search?.stop().catch((err) => logger.warn({ err }, 'search.stop.failed'));
          await searchDb?.end().catch(() => undefined);
          await slots?.close();
          await admin.disconnect().catch(() => undefined);
          await redis.quit().catch(() => redis.disconnect());
          healthRedis.disconnect();
          if (ownsClickHouse) await clickhouse.close().catch(() => undefined);
          await own.close().catch(() => undefined);
          await http.close();
          if (state !== 'failed') state = 'stopped';
          logger.info({ stats: pipeline.stats }, 'host.stopped');
        }
      })();
      return stopping;
    },
    abort() {
      pipeline.abort();
    },
    readiness,
    status,
  };
  return host;
}
