// The clients of the reconcile and backfill tests: a host's settings on the stack's real Debezium topics
// (its ClickHouse source rows on run-unique topics), and Postgres, ClickHouse, Redis and Kafka connected.
import type { ClickHouseClient } from '@clickhouse/client';
import { clickhouseSourceRoutes, orchestrationJobs } from '@engagement/app-db/clickhouse';
import type { RedisClient } from '@engagement/event-bus/sinks/redis';
import type { PluginDefinition } from '@engagement/plugin-api';
import type { Cluster, Redis } from 'ioredis';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { inject } from 'vitest';
import { cdc } from '../../../infra/stack/cdc.js';
import type { SampleWorld } from '../../../scripts/sample-traffic/sample-world.js';
import type { HostConfig } from '../src/config/host-config.js';
import { loadConfig } from '../src/config/load-config.js';
import { watermarkKeyOf } from '../src/deployment/cache-scope.js';
import { sourceTopicsOf } from '../src/deployment/source-topics.js';
import { openRedis } from '../src/host/open-redis.js';
import { baseHostEnv, openTestDatabase, RUN, TEST_DATABASE } from './host-fixtures.js';

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
    EVENT_HOST_CLICKHOUSE_DATABASE: TEST_DATABASE,
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
  /**
   * The host's Redis (a single node's database, emptied) or Redis Cluster (its cached metric hashes
   * dropped), as the host's config names it.
   */
  redis: RedisClient;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  close(): Promise<void>;
}

/**
 * Loads the host's config from `env` and connects Postgres, ClickHouse, Redis (flushed; on a Cluster, its
 * metric hashes dropped) and Kafka.
 */
export async function connectReconcileClients(env: Record<string, string>): Promise<ReconcileTestClients> {
  const stack = inject('stackEnv');
  const config = loadConfig({ env });
  const db = new pg.Client({ connectionString: stack.POSTGRES_URL });
  await db.connect();
  const pool = new pg.Pool({ connectionString: stack.POSTGRES_URL, max: 2 });
  const clickhouse = await openTestDatabase();
  const redis = openRedis(config);
  await redis.connect();
  if (redis.isCluster) await dropMetricHashes(redis as Cluster);
  else await (redis as Redis).flushdb();
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

/**
 * Hashes are keyed by entity only, and a Cluster has database 0 alone: a run on a stack kept from an earlier
 * one would find that run's hashes (and a drift check would sample them). Drops every `metrics:*` key.
 */
export async function dropMetricHashes(cluster: Cluster): Promise<void> {
  for (const node of cluster.nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', 'metrics:*', 'COUNT', 1000);
      for (const key of keys) await node.del(key);
      cursor = next;
    } while (cursor !== '0');
  }
}

/**
 * Deletes the generation jobs of a test's world from `orchestration.jobs`. Unlike the tests' other source
 * tables, that one keeps its production name with its own database, so the tests share it with `npm start`
 * (host-fixtures.ts, TEST_DATABASE). `npm start`'s host never reads these rows' exports (they went to the
 * test's own topics): left there, its reconcile would count them in the truth of the world's versions.
 */
export async function dropWorldJobs(
  clickhouse: ClickHouseClient,
  world: SampleWorld | undefined,
): Promise<void> {
  const ids = [...(world?.versions.keys() ?? [])];
  if (ids.length === 0) return;
  await clickhouse.command({
    query: `ALTER TABLE ${orchestrationJobs.table} DELETE WHERE hasAny(resourcesUsed, {ids:Array(Int32)})`,
    query_params: { ids },
    clickhouse_settings: { mutations_sync: '1' },
  });
}
