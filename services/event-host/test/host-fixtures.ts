// Shared set-up for the event-host integration tests: connections to the shared local stack; host settings
// on it with run-unique topics, group and cache scope; real Image rows for the lookups; synthetic Debezium
// reaction changes with their expected totals; a private redis-server; a Prometheus text parser.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import { fakeEvent } from '@engagement/event-bus/testing';
import { Redis } from 'ioredis';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { inject } from 'vitest';
import type { StackContext } from '../../../infra/stack/part.js';
import { kafkaPart } from '../../../infra/stack/parts/kafka.js';
import { stackPaths } from '../../../infra/stack/paths.js';
import { readPorts } from '../../../infra/stack/ports.js';
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

/** Sum of a group's committed offsets and of the partition ends, for one topic. */
export async function committedAndEnd(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<{ committed: number; end: number }> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
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
    EVENT_HOST_REDIS_URL: stack.REDIS_URL!,
    EVENT_HOST_CLICKHOUSE_PATH: mkdtempSync(join(tmpdir(), 'eh-ch-')),
    ...overrides,
  };
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
  const redis = new Redis(stack.REDIS_URL!);
  const kafka = new Kafka({ brokers: stack.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
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

const KINDS = { Like: 'likeCount', Heart: 'heartCount', Laugh: 'laughCount' } as const;

/** A reproducible plan of reaction creates and deletes, and the totals it must produce per image. */
export interface ReactionPlan {
  records: { key: Buffer; value: Buffer }[];
  /** `Image:<id>` → metric type → total. */
  expected: Map<string, Record<string, number>>;
  /** The same, counting creates only (what a count that takes removals from a recompute holds before it). */
  given: Map<string, Record<string, number>>;
}

/** Builds `count` changes on the given images: mostly creates, some deletes of earlier reactions. */
export function reactionPlan(imageIds: number[], count: number, seed = 7): ReactionPlan {
  let s = seed;
  const rand = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
  const table = fakeEvent.postgres('ImageReaction');
  const live: Record<string, unknown>[] = [];
  const expected = new Map<string, Record<string, number>>(
    imageIds.map((id) => [`Image:${id}`, { likeCount: 0, heartCount: 0, laughCount: 0, reactionCount: 0 }]),
  );
  const given = new Map([...expected].map(([key, totals]) => [key, { ...totals }]));
  const records: ReactionPlan['records'] = [];
  let nextId = 1;
  for (let i = 0; i < count; i++) {
    const remove = live.length > 0 && rand() < 0.25;
    const row = remove
      ? live.splice(Math.floor(rand() * live.length), 1)[0]!
      : {
          id: nextId++,
          imageId: imageIds[Math.floor(rand() * imageIds.length)]!,
          userId: 1 + Math.floor(rand() * 1000),
          reaction: Object.keys(KINDS)[Math.floor(rand() * 3)]!,
          createdAt: Date.UTC(2026, 0, 1) + i * 1000,
        };
    if (!remove) live.push(row);
    const change = remove ? table.deleted(row) : table.created(row);
    records.push({ key: change.record.key!, value: change.record.value! });
    const totals = expected.get(`Image:${row.imageId}`)!;
    const sign = remove ? -1 : 1;
    totals[KINDS[row.reaction as keyof typeof KINDS]] =
      totals[KINDS[row.reaction as keyof typeof KINDS]]! + sign;
    totals.reactionCount = totals.reactionCount! + sign;
    if (!remove) {
      const kind = KINDS[row.reaction as keyof typeof KINDS];
      const created = given.get(`Image:${row.imageId}`)!;
      created[kind] = created[kind]! + 1;
    }
  }
  return { records, expected, given };
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
  redis: Redis,
  imageIds: number[],
): Promise<{ cached: number[]; absent: number[] }> {
  const cached = imageIds.filter((_, i) => i % 2 === 0);
  const absent = imageIds.filter((_, i) => i % 2 === 1);
  await redis.del(...imageIds.map((id) => `metrics:Image:${id}`));
  for (const id of cached) {
    await redis.hset(`metrics:Image:${id}`, {
      likeCount: 100,
      heartCount: 100,
      laughCount: 100,
      reactionCount: 100,
    });
  }
  return { cached, absent };
}

/** Totals per image as reads see them (FINAL), and the raw row count (replays not yet merged included). */
export async function clickhouseImageTotals(
  ch: ClickHouseClient,
  imageIds: number[],
): Promise<{ totals: Map<string, Record<string, number>>; finalRows: number; rawRows: number }> {
  const rows = await (
    await ch.query({
      query: `SELECT entityId, metricType, toString(sum(metricValue)) AS total FROM entityMetricEvents FINAL
              WHERE entityType = 'Image' AND entityId IN {ids:Array(Int64)} GROUP BY entityId, metricType`,
      query_params: { ids: imageIds },
      format: 'JSONEachRow',
    })
  ).json<{ entityId: string | number; metricType: string; total: string }>();
  const totals = new Map<string, Record<string, number>>(
    imageIds.map((id) => [`Image:${id}`, { likeCount: 0, heartCount: 0, laughCount: 0, reactionCount: 0 }]),
  );
  for (const r of rows) totals.get(`Image:${Number(r.entityId)}`)![r.metricType] = Number(r.total);
  const count = async (final: string) =>
    Number(
      (
        await (
          await ch.query({
            query: `SELECT toString(count()) AS n FROM entityMetricEvents ${final} WHERE entityType = 'Image' AND entityId IN {ids:Array(Int64)}`,
            query_params: { ids: imageIds },
            format: 'JSONEachRow',
          })
        ).json<{ n: string }>()
      )[0]!.n,
    );
  return { totals, finalRows: await count('FINAL'), rawRows: await count('') };
}

/** Polls `probe` until `accept` likes its value; fails with the last value after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T>,
  accept: (v: T) => boolean,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; last value: ${JSON.stringify(last)} ${lastError ?? ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A private redis-server on `port` (no persistence), for outage tests that must not touch the shared one. */
export async function startRedisServer(port: number): Promise<ChildProcess> {
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    (up) => up,
    10_000,
    `redis-server on ${port}`,
  );
  return proc;
}

/** One sample of a Prometheus text exposition. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Parses the Prometheus text format (0.0.4) strictly: every line is a comment, HELP, TYPE or a sample
 * `name{label="value",...} number`; samples must follow the TYPE of their family. Throws on anything else.
 */
export function parsePrometheus(text: string): { types: Map<string, string>; samples: PromSample[] } {
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sampleLine = new RegExp(`^(${NAME})(\\{(.*)\\})? (-?[0-9.e+-]+|NaN|[+-]Inf)( -?\\d+)?$`);
  const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const typeMatch = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (typeMatch) {
      types.set(typeMatch[1]!, typeMatch[2]!);
      return;
    }
    if (new RegExp(`^# HELP ${NAME} .*$`).test(line) || line.startsWith('# ')) return;
    const m = sampleLine.exec(line);
    if (!m) throw new Error(`line ${i + 1} is not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    if (m[3]) {
      labelPair.lastIndex = 0;
      while (labelPair.lastIndex < m[3].length) {
        const l = labelPair.exec(m[3]);
        if (!l) throw new Error(`line ${i + 1} has malformed labels: ${line}`);
        labels[l[1]!] = l[2]!;
      }
    }
    const family = [...types.keys()].find(
      (t) => m[1] === t || m[1]!.replace(/_(bucket|sum|count)$/, '') === t,
    );
    if (!family) throw new Error(`line ${i + 1}: sample ${m[1]} has no TYPE before it`);
    samples.push({ name: m[1]!, labels, value: Number(m[4]) });
  });
  return { types, samples };
}

/**
 * Stops and restarts the shared stack's Kafka broker (by its recorded pid, on the same port and data),
 * for outage tests. Call `start` in a `finally`: the other test files need the broker back.
 */
export function stackBroker(): { stop(): Promise<string>; start(): Promise<string> } {
  const stack = inject('stackEnv');
  // The part functions read STACK_DIR (paths, ports, classpaths): point them at this run's stack.
  const inStack = async <T>(fn: (ctx: StackContext) => Promise<T>): Promise<T> => {
    const previous = process.env.STACK_DIR;
    process.env.STACK_DIR = stack.STACK_DIR ?? previous;
    try {
      return await fn({ paths: stackPaths(), ports: readPorts(), say: () => undefined });
    } finally {
      if (previous === undefined) delete process.env.STACK_DIR;
      else process.env.STACK_DIR = previous;
    }
  };
  const port = Number(stack.KAFKA_BROKERS!.split(':').pop());
  return {
    stop: () => inStack((ctx) => kafkaPart.down(ctx)),
    start: () =>
      inStack(async (ctx) => {
        if (ctx.ports.kafka !== port)
          throw new Error(`the stack records Kafka on ${ctx.ports.kafka}, not ${port}`);
        return (await kafkaPart.up(ctx)).outcome;
      }),
  };
}
