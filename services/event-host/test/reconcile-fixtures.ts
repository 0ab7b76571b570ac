// Shared pieces of the reconcile tests: a host on the real Debezium topics (its group starting at their
// end), the world's entities as a reconcile scope, SQL truth totals, and the two kinds of loss the tests
// inject (events removed from ClickHouse, corrupted cached hashes).
import type { ClickHouseClient } from '@clickhouse/client';
import { clickhouseSourceRoutes } from '@engagement/app-db/clickhouse';
import { openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import type { RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import { defaultCacheKeys } from '@engagement/event-bus/sinks/redis';
import { readTruth, truthPlan } from '@engagement/event-bus/truth';
import type { PluginDefinition } from '@engagement/plugin-api';
import { Redis } from 'ioredis';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { inject } from 'vitest';
import { cdc } from '../../../infra/stack/cdc.js';
import type { SampleWorld } from '../../../scripts/sample-traffic/sample-world.js';
import type { HostConfig } from '../src/config/host-config.js';
import { loadConfig } from '../src/config/load-config.js';
import { watermarkKeyOf } from '../src/deployment/cache-scope.js';
import { sourceTopicsOf } from '../src/deployment/source-topics.js';
import { baseHostEnv, RUN } from './host-fixtures.js';

/**
 * EVENT_HOST_* settings of a host reading the stack's real Debezium topics, and the run-unique topic prefix
 * of its ClickHouse source rows (for a `ClickHouseRowPublisher`).
 */
export function reconcileEnv(
  name: string,
  redisDb: number,
): { env: Record<string, string>; chPrefix: string } {
  const stack = inject('stackEnv');
  const prefix = `eh-${name}-${RUN}`;
  const env = {
    ...baseHostEnv(name, prefix),
    EVENT_HOST_DEBEZIUM_TOPIC_PREFIX: stack.DEBEZIUM_TOPIC_PREFIX ?? 'app',
    EVENT_HOST_SOURCES_CLICKHOUSE_TOPICS: JSON.stringify(clickhouseSourceRoutes(`${prefix}.ch`)),
    EVENT_HOST_REDIS_URL: `${stack.REDIS_URL}/${redisDb}`,
    EVENT_HOST_CLICKHOUSE_URL: stack.CLICKHOUSE_URL!,
    EVENT_HOST_RECONCILE_WAIT_MS: '90000',
    // The local publisher exports a row within a second of its time; production's default is 60 s.
    EVENT_HOST_RECONCILE_CLICKHOUSE_SETTLE_MS: '3000',
  };
  return { env, chPrefix: `${prefix}.ch` };
}

/** The clients a reconcile test works with, connected to the stack; `close()` ends them all. */
export interface ReconcileTestClients {
  config: HostConfig;
  db: pg.Client;
  pool: pg.Pool;
  clickhouse: ClickHouseClient;
  /** On the host's Redis database, emptied. */
  redis: Redis;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  close(): Promise<void>;
}

/** Loads the host's config from `env` and connects Postgres, ClickHouse, Redis (flushed) and Kafka. */
export async function connectReconcileClients(env: Record<string, string>): Promise<ReconcileTestClients> {
  const stack = inject('stackEnv');
  const config = loadConfig({ env });
  const db = new pg.Client({ connectionString: stack.POSTGRES_URL });
  await db.connect();
  const pool = new pg.Pool({ connectionString: stack.POSTGRES_URL, max: 2 });
  const clickhouse = await openClickHouse({ url: stack.CLICKHOUSE_URL! });
  const redis = new Redis(env.EVENT_HOST_REDIS_URL!);
  await redis.flushdb();
  const kafka = new Kafka({ brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  return {
    config,
    db,
    pool,
    clickhouse,
    redis,
    kafka,
    admin,
    producer,
    async close() {
      await Promise.allSettled([producer.disconnect(), admin.disconnect(), pool.end(), db.end()]);
      redis.disconnect();
      await clickhouse.close();
    },
  };
}

/**
 * What `reconcile` and `backfill` work with besides their scope: the test clients and the host's settings
 * (what `metrics reconcile` connects and reads on its own).
 */
export function reconcileClients(c: ReconcileTestClients, plugins: PluginDefinition[]) {
  const { config } = c;
  return {
    plugins,
    postgres: c.pool,
    clickhouse: c.clickhouse,
    redis: c.redis,
    admin: c.admin,
    producer: c.producer,
    groupId: config.kafka.groupId,
    sourceTopics: sourceTopicsOf(config, plugins).create,
    metricTopic: config.kafka.metricTopic,
    watermarkKey: watermarkKeyOf(config),
    slot: cdc.slotName,
    waitMs: config.reconcile.waitMs,
    clickhouseSettleMs: config.reconcile.clickhouseSettleMs,
  };
}

/** Every entity of a sample world now, by entity type (copies: traffic keeps adding some). */
export function worldScope(w: SampleWorld): Map<string, number[]> {
  return new Map<string, number[]>([
    ['User', [...w.users]],
    ['Model', [...w.models]],
    ['ModelVersion', [...w.versions.keys()]],
    ['Post', [...w.posts]],
    ['Image', [...w.images]],
    ['Collection', [...w.collections]],
    ['Tag', [...w.tags]],
    ['Article', [...w.articles]],
    ['Bounty', [...w.bounties]],
    ['BountyEntry', [...w.entries]],
  ]);
}

export const metricKey = (type: string, id: number, metric: string) => `${type}:${id}:${metric}`;

/** All-time truth per `type:id:metric` (every declared metric present, 0 when none), straight from SQL. */
export async function truthTotals(
  db: pg.Client,
  clickhouse: ClickHouseClient,
  plugins: readonly PluginDefinition[],
  scope: ReadonlyMap<string, readonly number[]>,
): Promise<Map<string, number>> {
  const plan = truthPlan(plugins);
  const out = new Map<string, number>();
  for (const [type, ids] of scope) {
    const truths = (plan.byEntityType.get(type) ?? []).map((p) => p.truth);
    for (const id of ids)
      for (const t of truths) for (const m of t.metrics) out.set(metricKey(type, id, m), 0);
    const rows = await readTruth({
      postgres: db,
      clickhouse,
      truths,
      entityIds: ids,
      clickhouseBefore: new Date(Date.now() + 86_400_000),
    });
    for (const r of rows) {
      const k = metricKey(type, r.entityId, r.metricType);
      out.set(k, (out.get(k) ?? 0) + r.value);
    }
  }
  return out;
}

/**
 * Every stored copy of the metric events: the event table and the read rollup's tables
 * (docs/reading-metrics.md), which never see deletions from the event table, so a simulated loss deletes
 * from all three.
 */
const STORED_EVENT_TABLES = ['entityMetricEvents', 'entityMetricEvents_recent', 'entityMetricEvents_daily'];

/** The entities of `scope` of one type whose true `metric` is not 0. */
export const nonZeroIds = (
  truth: ReadonlyMap<string, number>,
  scope: ReadonlyMap<string, readonly number[]>,
  type: string,
  metric: string,
): number[] => (scope.get(type) ?? []).filter((id) => (truth.get(metricKey(type, id, metric)) ?? 0) !== 0);

/**
 * Where to plant a loss that reconcile must see: per `[entityType, metric, count]`, the first `count`
 * entities whose true value is not 0, as `[entityType, id, metric]`.
 */
export function lossTargets(
  truth: ReadonlyMap<string, number>,
  scope: ReadonlyMap<string, readonly number[]>,
  picks: readonly (readonly [entityType: string, metric: string, count: number])[],
): (readonly [string, number, string])[] {
  return picks.flatMap(([type, metric, count]) =>
    nonZeroIds(truth, scope, type, metric)
      .slice(0, count)
      .map((id) => [type, id, metric] as const),
  );
}

/** Removes every stored event of one metric of one entity (a loss upstream of every cache). */
export async function removeEvents(clickhouse: ClickHouseClient, type: string, id: number, metric: string) {
  for (const table of STORED_EVENT_TABLES) {
    await clickhouse.command({
      query: `ALTER TABLE ${table} DELETE
            WHERE entityType = {type:String} AND entityId = {id:Int64} AND metricType = {metric:String}`,
      query_params: { type, id, metric },
      clickhouse_settings: { mutations_sync: '2' },
    });
  }
}

/** Removes every stored event of these entities (a metric whose history was never written). */
export async function removeEntities(clickhouse: ClickHouseClient, type: string, ids: readonly number[]) {
  for (const table of STORED_EVENT_TABLES) {
    await clickhouse.command({
      query: `ALTER TABLE ${table} DELETE WHERE entityType = {type:String} AND entityId IN {ids:Array(Int64)}`,
      query_params: { type, ids },
      clickhouse_settings: { mutations_sync: '2' },
    });
  }
}

/** The all-time fields of cached hashes, per `type:id:metric` (absent hashes and fields are left out). */
export async function cachedTotals(
  redis: Redis,
  scope: ReadonlyMap<string, readonly number[]>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [type, ids] of scope) {
    for (const id of ids) {
      const hash = await redis.hgetall(defaultCacheKeys.key(type, id));
      for (const [field, value] of Object.entries(hash)) {
        if (!field.startsWith('~') && !field.includes(':'))
          out.set(metricKey(type, id, field), Number(value));
      }
    }
  }
  return out;
}

/** Keys where `actual` differs from `truth` (only keys present in `actual`). */
export function mismatches(
  truth: ReadonlyMap<string, number>,
  actual: ReadonlyMap<string, number>,
): string[] {
  return [...actual]
    .filter(([k, v]) => (truth.get(k) ?? 0) !== v)
    .map(([k, v]) => `${k}: truth ${truth.get(k) ?? 0}, got ${v}`);
}

/**
 * Waits until the recomputer has emptied a touch queue (moves and removals of a post's reactions, a model's
 * images), or throws after `timeoutMs`. A host's queue: `new RedisTouchQueue(redis, config.cacheScope)`.
 */
export async function touchQueueEmpty(queue: RedisTouchQueue, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = (await queue.pending('Post')) + (await queue.pending('Model'));
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending} touched entities still wait for their recompute`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
