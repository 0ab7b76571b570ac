// Shared set-up for the event-host integration tests: connections to the shared local stack; host settings
// on it with run-unique topics, group and cache scope; real Image rows for the lookups; synthetic Debezium
// reaction changes with their expected totals (reaction-plan.ts); a private redis-server and the broker's
// outage (stack-outages.ts); a Prometheus text parser (prometheus-text.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { clickhouseSourceDdl } from '@engagement/app-db/clickhouse';
import { fetchHostGroupOffsets } from '@engagement/event-bus/kafka';
import { ensureMetricEventTable, openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import { type CacheKeyScheme, defaultCacheKeys, type RedisClient } from '@engagement/event-bus/sinks/redis';
import { Redis } from 'ioredis';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { inject } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { createEventHost, type EventHost } from '../src/host/create-event-host.js';

/** Builds a host on `env` (its embedded ClickHouse at EVENT_HOST_CLICKHOUSE_PATH) and starts it. */
export async function startHost(
  env: Record<string, string>,
): Promise<{ host: EventHost; clickhouse: ClickHouseClient }> {
  const clickhouse = await openClickHouse({ path: env.EVENT_HOST_CLICKHOUSE_PATH as string });
  const host = await createEventHost({ config: loadConfig({ env }), clickhouse });
  await host.start();
  return { host, clickhouse };
}

/** An `event-host start` child process: its JSON log lines (stdout), its stderr, and how it exited. */
export interface HostProcess {
  proc: ChildProcess;
  logs: Record<string, unknown>[];
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `event-host start` from source with `env` as its whole environment (plus PATH and HOME). */
export function spawnHost(env: Record<string, string>, { echoStderr = false } = {}): HostProcess {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', main, 'start'], {
    cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: HostProcess = {
    proc,
    logs: [],
    stderr: '',
    exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  let buffer = '';
  proc.stdout?.on('data', (chunk) => {
    buffer += String(chunk);
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('{')) run.logs.push(JSON.parse(l));
  });
  proc.stderr?.on('data', (chunk) => {
    run.stderr += String(chunk);
    if (echoStderr) process.stderr.write(chunk);
  });
  return run;
}

/** Sum of a host group's committed offsets (its metric group's for the metric topic) and of the partition ends, for one topic. */
export async function committedAndEnd(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<{ committed: number; end: number }> {
  const [t] = await fetchHostGroupOffsets(admin, groupId, [topic]);
  const committed = (t?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  const end = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  return { committed, end };
}

/** A name unique to this test process. */
export const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/**
 * The EVENT_HOST_* settings every test host shares: its own client id, group, metric and dead-letter topics
 * and cache scope (all named after `prefix`), the listener plugins, Postgres, and quick flushes.
 */
export function baseHostEnv(name: string, prefix: string): Record<string, string> {
  const stack = inject('stackEnv');
  return {
    EVENT_HOST_KAFKA_BROKERS: stack.KAFKA_BROKERS!,
    EVENT_HOST_KAFKA_CLIENT_ID: `event-host-${name}`,
    EVENT_HOST_KAFKA_GROUP_ID: `${prefix}-group`,
    EVENT_HOST_KAFKA_METRIC_TOPIC: `${prefix}.metric-events`,
    EVENT_HOST_KAFKA_DEAD_LETTER_TOPIC: `${prefix}.dead-letters`,
    EVENT_HOST_KAFKA_SESSION_TIMEOUT_MS: '10000',
    EVENT_HOST_PLUGINS: '@engagement/metric-listeners',
    EVENT_HOST_POSTGRES_URL: stack.POSTGRES_URL!,
    EVENT_HOST_CACHE_SCOPE: prefix,
    EVENT_HOST_BATCH_FLUSH_INTERVAL_MS: '500',
    EVENT_HOST_HTTP_HOST: '127.0.0.1',
    EVENT_HOST_HTTP_PORT: '0',
    EVENT_HOST_DRIFT_INTERVAL_MS: '0',
    EVENT_HOST_LOG_LEVEL: 'warn',
  };
}

/** EVENT_HOST_* settings for a test host: its own topics (prefix), group, cache scope and ClickHouse dir. */
export function hostEnv(name: string, overrides: Record<string, string> = {}): Record<string, string> {
  const stack = inject('stackEnv');
  const prefix = `eh-${name}-${RUN}`;
  return {
    ...baseHostEnv(name, prefix),
    EVENT_HOST_KAFKA_TOPICS: `${prefix}.public.ImageReaction`,
    EVENT_HOST_DEBEZIUM_TOPIC_PREFIX: prefix,
    EVENT_HOST_REDIS_URL: `${stack.REDIS_URL}/${TEST_REDIS_DB}`,
    EVENT_HOST_CLICKHOUSE_PATH: mkdtempSync(join(tmpdir(), 'eh-ch-')),
    ...overrides,
  };
}

/**
 * The Redis database of the test hosts (hostEnv) and of connectStack's client, not 0, which `npm start` uses.
 * Metric hash keys carry no cache scope, and the tests' Images are real rows of the stack's Postgres: the
 * hashes prefillCache seeds for them (and the increments on top) would otherwise stay in the cache that the
 * next `npm start` reads, and its `metrics reconcile` would report those Images off.
 */
export const TEST_REDIS_DB = 6;

/**
 * The database of the stack's served ClickHouse that test hosts write to, not `default`, which `npm start`
 * fills. The reconcile and backfill tests' hosts read the stack's Debezium topics from the beginning, and
 * the tests delete stored events and write corrections on purpose: in `default`, the next `npm start`'s
 * host would store those changes once more beside the corrections, and its reconcile would report
 * hundreds of entities off.
 */
export const TEST_DATABASE = 'tests';

/** Opens the stack's served ClickHouse on TEST_DATABASE, creating it with the metric and source tables. */
export async function openTestDatabase(): Promise<ClickHouseClient> {
  const url = inject('stackEnv').CLICKHOUSE_URL!;
  const server = await openClickHouse({ url });
  await server.command({ query: `CREATE DATABASE IF NOT EXISTS ${TEST_DATABASE}` });
  await server.close();
  const clickhouse = await openClickHouse({ url, database: TEST_DATABASE });
  await ensureMetricEventTable(clickhouse);
  for (const statement of clickhouseSourceDdl()) await clickhouse.command({ query: statement });
  return clickhouse;
}

/** Connections to the shared stack: Postgres, Redis, and Kafka with a connected producer and admin. */
export interface StackClients {
  db: pg.Client;
  redis: Redis;
  kafka: Kafka;
  producer: Producer;
  /** For committed offsets and topic ends (`committedAndEnd`). */
  admin: Admin;
  /** Disconnects the admin, the producer, Redis and Postgres. */
  close(): Promise<void>;
}

export async function connectStack(): Promise<StackClients> {
  const stack = inject('stackEnv');
  const db = new pg.Client({ connectionString: stack.POSTGRES_URL });
  await db.connect();
  const redis = new Redis(stack.REDIS_URL!, { db: TEST_REDIS_DB });
  const kafka = new Kafka({ brokers: stack.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  // Idempotent: a retried request must not write its messages twice, since tests compare topic ends with
  // what they sent (a plain producer's retry after a lost answer once made a source topic end 74, not 60).
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const admin = kafka.admin();
  await admin.connect();
  const close = async () => {
    await admin.disconnect();
    await producer.disconnect();
    redis.disconnect();
    await db.end();
  };
  return { db, redis, kafka, producer, admin, close };
}

/** A connected producer on a host env's brokers, for the changes a test sends in Debezium's place. */
export async function connectProducer(env: Record<string, string>): Promise<Producer> {
  const kafka = new Kafka({ brokers: env.EVENT_HOST_KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  return producer;
}

/** The source topic of a host env. */
export const sourceTopicOf = (env: Record<string, string>) => env.EVENT_HOST_KAFKA_TOPICS!;

/** Real User and Image rows (the lookups read image → owner and post from Postgres). */
export async function createImages(
  db: pg.Client,
  count: number,
): Promise<{ ownerId: number; imageIds: number[] }> {
  const owner = await db.query('INSERT INTO "User"(username) VALUES ($1) RETURNING id', [
    `eh-${RUN}-${Math.random()}`,
  ]);
  const ownerId = owner.rows[0].id as number;
  const imageIds: number[] = [];
  for (let i = 0; i < count; i++) {
    const r = await db.query('INSERT INTO "Image"("userId") VALUES ($1) RETURNING id', [ownerId]);
    imageIds.push(r.rows[0].id);
  }
  return { ownerId, imageIds };
}

/** Produces records to `topic` in chunks, pausing `pauseMs` between chunks (traffic, not a burst). */
export async function produce(
  producer: Producer,
  topic: string,
  records: { key: Buffer; value: Buffer }[],
  options: { chunk?: number; pauseMs?: number; onChunk?: (sent: number) => Promise<void> | void } = {},
): Promise<void> {
  const chunk = options.chunk ?? 50;
  for (let i = 0; i < records.length; i += chunk) {
    await producer.send({ topic, acks: -1, messages: records.slice(i, i + chunk) });
    await options.onChunk?.(Math.min(i + chunk, records.length));
    if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
  }
}

/** Seeds cached hashes for half the images (the other half stays uncached and must stay absent). */
export async function prefillCache(
  redis: RedisClient,
  imageIds: number[],
  keys: CacheKeyScheme = defaultCacheKeys,
): Promise<{ cached: number[]; absent: number[] }> {
  const cached = imageIds.filter((_, i) => i % 2 === 0);
  const absent = imageIds.filter((_, i) => i % 2 === 1);
  // One DEL per key: the keys lie in different shards, which a Cluster refuses in one command.
  await Promise.all(imageIds.map((id) => redis.del(keys.key('Image', id))));
  for (const id of cached) {
    await redis.hset(keys.key('Image', id), {
      likeCount: 100,
      heartCount: 100,
      laughCount: 100,
      reactionCount: 100,
    });
  }
  return { cached, absent };
}

export { waitFor } from '@engagement/event-bus/testing';
export { ephemeralPort } from '../../../infra/stack/ports.js';
export { type PromSample, parsePrometheus } from './prometheus-text.js';
export {
  clickhouseImageTotals,
  type ReactionPlan,
  reactionPlan,
  rollupImageTotals,
  waitForPlanTotals,
} from './reaction-plan.js';
export { stackBroker, startRedisServer } from './stack-outages.js';
