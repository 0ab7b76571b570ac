// Shared set-up for the event-bus integration tests: connections to the local stack that the Vitest
// global setup brought up, unique names per run, and a polling helper.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { Cluster, Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { inject } from 'vitest';
import { openClickHouse } from '../src/sinks/clickhouse/client.js';
import type { RedisClient } from '../src/sinks/redis/redis-client.js';

export { waitFor } from '../src/testing/wait-for.js';

export interface StackConnections {
  env: Record<string, string>;
  pg: pg.Client;
  redis: Redis;
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  clickhousePath: string;
  /** A name unique to this run, for groups, topics and key scopes. */
  unique(prefix: string): string;
  close(): Promise<void>;
}

/**
 * The Redis database of these tests (`env.REDIS_URL` and `redis` point at it), not 0, which `npm start`'s host
 * uses: metric hash keys carry no cache scope, and some tests cache hashes of the stack's real Images with
 * made-up starting values, which the next `npm start`'s reads and `metrics reconcile` would otherwise see.
 */
const TEST_REDIS_DB = 5;

/** Opens connections to the stack; ClickHouse is a fresh embedded engine in a temp directory. */
export async function connectStack(): Promise<StackConnections> {
  const stackEnv = inject('stackEnv');
  const env: Record<string, string> = { ...stackEnv, REDIS_URL: `${stackEnv.REDIS_URL}/${TEST_REDIS_DB}` };
  const client = new pg.Client({ connectionString: env.POSTGRES_URL });
  await client.connect();
  const redis = new Redis(env.REDIS_URL!);
  const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const clickhousePath = mkdtempSync(join(tmpdir(), 'eb-ch-'));
  const clickhouse = await openClickHouse({ path: clickhousePath });
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return {
    env,
    pg: client,
    redis,
    kafka,
    clickhouse,
    clickhousePath,
    unique: (prefix) => `${prefix}-${run}`,
    async close() {
      await client.end();
      redis.disconnect();
      await clickhouse.close();
    },
  };
}

/** Metric totals of one entity as reads see them (FINAL collapses replayed events). */
export async function clickhouseTotals(
  ch: ClickHouseClient,
  entityType: string,
  entityId: number,
): Promise<Record<string, number>> {
  const result = await ch.query({
    query: `SELECT metricType, sum(metricValue) AS total FROM entityMetricEvents FINAL
            WHERE entityType = {t:String} AND entityId = {id:Int64} GROUP BY metricType ORDER BY metricType`,
    query_params: { t: entityType, id: entityId },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ metricType: string; total: string | number }>();
  return Object.fromEntries(rows.map((r) => [r.metricType, Number(r.total)]));
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Settings of the local stack, provided by infra/test/global-setup.ts. */
    stackEnv: Record<string, string>;
  }
}

/** The Redis deployments the cache tests run against: the stack's single node and its three-master Cluster. */
export const REDIS_KINDS = ['single', 'cluster'] as const;
export type RedisKind = (typeof REDIS_KINDS)[number];

/** A client of the stack's single Redis or of its Redis Cluster (`REDIS_CLUSTER_NODES`). */
export function connectRedis(env: Record<string, string>, kind: RedisKind): RedisClient {
  if (kind === 'single') return new Redis(env.REDIS_URL!);
  if (!env.REDIS_CLUSTER_NODES)
    throw new Error('the stack started no Redis Cluster (REDIS_CLUSTER_NODES unset)');
  const nodes = env.REDIS_CLUSTER_NODES.split(',').map((node) => {
    const [host, port] = node.split(':');
    return { host: host!, port: Number(port) };
  });
  return new Cluster(nodes);
}
