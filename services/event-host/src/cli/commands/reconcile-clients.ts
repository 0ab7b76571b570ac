import type { ClickHouseClient } from '@clickhouse/client';
import type { CacheKeyScheme, RedisClient } from '@engagement/event-bus/sinks/redis';
import { metricsOf, truthPlan } from '@engagement/event-bus/truth';
import type { PluginDefinition } from '@engagement/plugin-api';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import type pg from 'pg';
import { closest } from '../../config/closest-name.js';
import type { HostConfig } from '../../config/host-config.js';
import { loadConfig } from '../../config/load-config.js';
import { cacheKeysOf, watermarkKeyOf } from '../../deployment/cache-scope.js';
import { existingSourceTopics } from '../../deployment/source-topics.js';
import { HostError } from '../../errors.js';
import { inspectConfiguredPlugins } from '../../host/host-provisions.js';
import { connectClickHouseFor } from '../../host/open-clickhouse.js';
import { connectPostgresFor } from '../../host/open-postgres.js';
import { connectRedisFor } from '../../host/open-redis.js';
import { unreachable } from '../../host/unreachable.js';
import { resolveSlot } from '../../reconcile/catch-up.js';
import { metricsOwnedBy } from '../../reconcile/owned-metrics.js';
import type { CliContext } from '../cli-context.js';
import type { OptionSpec } from '../command-table.js';

/** The options of `metrics reconcile` and `backfill` that choose what they work on. */
export const SCOPE_OPTIONS = {
  'entity-type': { kind: 'text', value: 'T', help: 'only this entity type' },
  metric: { kind: 'text', value: 'M', help: 'only this metric' },
  plugin: {
    kind: 'text',
    value: 'P',
    help: "only the metrics this plugin's truths cover (each with its whole truth)",
  },
  listener: {
    kind: 'text',
    value: 'L',
    help: "only the metrics this listener's truth covers (each with its whole truth)",
  },
  'batch-size': { kind: 'count', value: 'N', help: 'entities per batch (default: the reconcile batch size)' },
} as const satisfies Record<string, OptionSpec>;

/** What `metrics reconcile` and `backfill` work with: the plugins' truths and connected clients. */
export interface ReconcileClients {
  config: HostConfig;
  plugins: PluginDefinition[];
  /** The entity types to work on (`--entity-type`, or every type some truth covers). */
  entityTypes: string[];
  /** With `--plugin` or `--listener`: the metrics their truths cover, by entity type. */
  metricsByType?: Map<string, string[]>;
  postgres: pg.Pool;
  clickhouse: ClickHouseClient;
  redis: RedisClient;
  admin: Admin;
  producer?: Producer;
  groupId: string;
  sourceTopics: string[];
  metricTopic: string;
  watermarkKey: string;
  /** How the cached hashes are named (`redis.cacheShards`). */
  cacheKeys: CacheKeyScheme;
  slot: string;
}

/**
 * Loads the configuration (purpose `reconcile`) and the plugins, checks `--entity-type` and `--metric`
 * against their truths (with a "did you mean"), connects, runs `use`, and closes everything.
 */
export async function withReconcileClients<T>(
  ctx: CliContext,
  wanted: { entityType?: string; metric?: string; plugin?: string; listener?: string; producer: boolean },
  use: (clients: ReconcileClients) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ env: ctx.env, file: ctx.configFile, purpose: 'reconcile' });
  const packages = await inspectConfiguredPlugins(config, ctx.importer);
  const plugins = packages.flatMap((p) => p.plugins);
  const plan = truthPlan(plugins);
  const known = [...plan.byEntityType.keys()].sort();
  if (wanted.entityType && !known.includes(wanted.entityType)) {
    const near = closest(wanted.entityType, known);
    throw new HostError(
      'EH_USAGE',
      `--entity-type ${wanted.entityType}: no truth covers it${near ? ` (did you mean ${near}?)` : ''}; known: ${known.join(', ')}`,
    );
  }
  const metricsByType = metricsOwnedBy(plan, wanted);
  const entityTypes = (wanted.entityType ? [wanted.entityType] : known).filter(
    (t) => !metricsByType || metricsByType.has(t),
  );
  if (entityTypes.length === 0) {
    throw new HostError(
      'EH_USAGE',
      `--entity-type ${wanted.entityType}: none of the chosen truths covers it`,
    );
  }
  const metrics = new Set(entityTypes.flatMap((t) => metricsByType?.get(t) ?? metricsOf(plan, t)));
  if (wanted.metric && !metrics.has(wanted.metric)) {
    const near = closest(wanted.metric, metrics);
    throw new HostError(
      'EH_USAGE',
      `--metric ${wanted.metric}: no such metric${near ? ` (did you mean ${near}?)` : ''}`,
    );
  }

  const redis = await connectRedisFor(config, { maxRetriesPerRequest: 2 });
  const kafka = new Kafka({
    clientId: `${config.kafka.clientId}-reconcile`,
    brokers: config.kafka.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const producer = wanted.producer ? kafka.producer({ idempotent: true }) : undefined;
  let postgres: pg.Pool | undefined;
  let clickhouse: ClickHouseClient | undefined;
  try {
    // Each refuses with one line naming its setting when its dependency cannot be reached.
    postgres = await connectPostgresFor(config);
    clickhouse = await connectClickHouseFor(config);
    await Promise.all([
      reachKafka(config, admin.connect()),
      producer && reachKafka(config, producer.connect()),
    ]);
    const sourceTopics = await existingSourceTopics(admin, config, plugins);
    return await use({
      config,
      plugins,
      entityTypes,
      metricsByType,
      postgres,
      clickhouse,
      redis,
      admin,
      producer,
      groupId: config.kafka.groupId,
      sourceTopics,
      metricTopic: config.kafka.metricTopic,
      watermarkKey: watermarkKeyOf(config),
      cacheKeys: cacheKeysOf(config),
      slot: await resolveSlot(postgres, config.debezium.slot),
    });
  } finally {
    await Promise.allSettled([
      admin.disconnect(),
      producer?.disconnect(),
      postgres?.end(),
      clickhouse?.close(),
    ]);
    redis.disconnect();
  }
}

/** A Kafka connect, its failure one line naming the setting instead of kafkajs's stack. */
async function reachKafka(config: HostConfig, connect: Promise<void>): Promise<void> {
  try {
    await connect;
  } catch (error) {
    throw unreachable(
      'EVENT_HOST_KAFKA_BROKERS (kafka.brokers)',
      `cannot reach Kafka at ${config.kafka.brokers.join(',')}`,
      error,
    );
  }
}
