// End-to-end ground truth for issue 5: a scripted run of creates, updates and deletes across every source
// table goes through the real stack (Postgres → Debezium → Kafka, ClickHouse source rows → Kafka) into the
// pipeline with every plugin of this package; afterwards every metric of every entity the run created
// (and that still exists), read from ClickHouse with FINAL and summed, equals the value computed from the
// source tables with SQL (ground-truth.ts), for all time, the last week and the last day. Hashes filled
// through the metric reader half-way through are kept exact in Redis by the increments.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { createAppDb } from '@engagement/app-db';
import {
  ClickHouseRowPublisher,
  clickhouseSourceDdl,
  clickhouseSourceRoutes,
  clickhouseSourceTables,
  clickhouseSourceTopic,
} from '@engagement/app-db/clickhouse';
import { createDecoder } from '@engagement/event-bus';
import { createEventPipeline, type EventPipeline } from '@engagement/event-bus/kafka';
import { createMetricReader } from '@engagement/event-bus/reader';
import { ensureMetricEventTable, openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SampleWorld } from '../../../scripts/sample-traffic/sample-world.js';
import { runSampleTraffic, type SampleTrafficStats } from '../../../scripts/sample-traffic.js';
import { appDbToken, type EntityType, plugins } from '../src/index.js';
import { readDeadLetters, referencesAny } from './dead-letters.js';
import {
  computeGroundTruth,
  diffMetrics,
  type MetricTable,
  metricKey,
  readClickHouseMetrics,
  TRUTH_METRICS,
  type TruthScope,
  windowStart,
} from './ground-truth.js';
import { startGroupAtEnd } from './group-at-end.js';
import { changeWorld, createWorld, type RunWorld, runIds, truthScope } from './scripted-run.js';

const TIMEFRAMES = ['all', 'week', 'day'] as const;
// A Redis database of its own: other pipelines on the shared stack increment `metrics:*` hashes in db 0.
const REDIS_DB = 7;

const env = inject('stackEnv');
const run = `gt${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const chPath = mkdtempSync(join(tmpdir(), 'gt-ch-'));
let db: pg.Client;
let clickhouse: ClickHouseClient;
let redis: Redis;
let kafka: Kafka;
let producer: Producer;
let pipeline: EventPipeline;
let appDb: ReturnType<typeof createAppDb>;
let publisher: ClickHouseRowPublisher;
let world: RunWorld;
const timings: Record<string, number> = {};

/** Truth and stored metrics for every timeframe; `[]` when they agree. */
async function mismatches(scope: TruthScope): Promise<string[]> {
  const now = Date.now();
  const out: string[] = [];
  for (const tf of TIMEFRAMES) {
    const since = windowStart(tf, now);
    const truth = await computeGroundTruth(db, clickhouse, scope, since);
    const stored = await readClickHouseMetrics(clickhouse, scope, since);
    out.push(...diffMetrics(truth, stored).map((d) => `[${tf}] ${d}`));
  }
  return out;
}

/** Waits until ClickHouse agrees with the truth and still agrees 2 s later; returns the last mismatches. */
async function settle(scope: TruthScope, timeoutMs = 60_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let last = await mismatches(scope);
  while (Date.now() < deadline) {
    if (last.length === 0) {
      await new Promise((r) => setTimeout(r, 2_000));
      last = await mismatches(scope);
      if (last.length === 0) return last;
    }
    await new Promise((r) => setTimeout(r, 500));
    last = await mismatches(scope);
  }
  return last;
}

beforeAll(async () => {
  const setupStarted = performance.now();
  const mark = (name: string) => {
    timings[name] = Math.round(performance.now() - setupStarted);
  };
  db = new pg.Client({ connectionString: env.POSTGRES_URL });
  await db.connect();
  clickhouse = await openClickHouse({ path: chPath });
  await ensureMetricEventTable(clickhouse);
  for (const statement of clickhouseSourceDdl()) await clickhouse.command({ query: statement });
  redis = new Redis(env.REDIS_URL!, { db: REDIS_DB });
  kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  producer = kafka.producer();
  await producer.connect();
  publisher = new ClickHouseRowPublisher({ clickhouse, producer, topicPrefix: `${run}.ch` });
  appDb = createAppDb({ url: env.POSTGRES_URL! });

  const prefix = env.DEBEZIUM_TOPIC_PREFIX ?? 'app';
  const tables = [...new Set(plugins.flatMap((p) => p.listeners.flatMap((l) => l.tables ?? [])))];
  const debeziumTopics = tables
    .filter((t) => !clickhouseSourceTables.some((c) => c.table === t))
    .map((t) => `${prefix}.public.${t}`);
  const chTopics = clickhouseSourceTables.map((t) => clickhouseSourceTopic(t, `${run}.ch`));
  const topics = [...debeziumTopics, ...chTopics];
  const groupId = `${run}-pipeline`;

  // Start at the end of the shared Debezium topics: their history belongs to other runs.
  await startGroupAtEnd(kafka, groupId, topics);
  mark('setupOffsets');

  pipeline = await createEventPipeline({
    brokers: env.KAFKA_BROKERS!.split(','),
    groupId,
    plugins,
    provisions: [{ token: appDbToken, value: appDb }],
    decode: createDecoder({
      debezium: { topicPrefix: prefix },
      clickhouse: clickhouseSourceRoutes(`${run}.ch`),
    }),
    sourceTopics: topics,
    metricTopic: `${run}.metric-events`,
    deadLetterTopic: `${run}.dead-letters`,
    clickhouse,
    redis,
    cacheScope: run,
    flushIntervalMs: 300,
  });
  await pipeline.start();
  mark('setupPipelineStarted');
});

afterAll(async () => {
  const closing = performance.now();
  await pipeline?.close();
  timings.pipelineClose = Math.round(performance.now() - closing);
  console.log(`ground truth timings (ms): ${JSON.stringify(timings)}`);
  await producer?.disconnect();
  await appDb?.$disconnect();
  redis?.disconnect();
  await db?.end();
  await clickhouse?.close();
  rmSync(chPath, { recursive: true, force: true });
});

/** Dead letters about this run's rows (other runs' changes on the shared topics are not ours). */
async function ownDeadLetters(): Promise<string[]> {
  if (pipeline.stats.deadLetters === 0) return [];
  const ids = runIds(world);
  const letters = await readDeadLetters(kafka, `${run}.dead-letters`);
  const mine = letters.filter((l) => l.sourceTopic.startsWith(`${run}.`) || referencesAny(l.row, ids));
  timings.foreignDeadLetters = letters.length - mine.length;
  return mine.map((l) => `${l.sourceTopic} ${l.listener}: ${l.message}`);
}

describe('every metric equals its Postgres/ClickHouse ground truth after a scripted run', () => {
  it('after creates (phase one): ClickHouse sums equal the truth for all, week and day', async () => {
    const started = performance.now();
    world = await createWorld(db, publisher, run);
    timings.phaseOneWrite = Math.round(performance.now() - started);
    const left = await settle(truthScope(world));
    timings.phaseOneSettled = Math.round(performance.now() - started);
    expect(left).toEqual([]);
    expect(await ownDeadLetters()).toEqual([]);
  }, 180_000);

  it('after updates and deletes (phase two): ClickHouse and the cached Redis hashes equal the truth', async () => {
    expect(world, 'phase one must have run').toBeDefined();
    const scope = truthScope(world);
    // Fill hashes the way the app does (reader miss → ClickHouse → Redis) for half of the entities.
    const cached: TruthScope = Object.fromEntries(
      Object.entries(scope).map(([type, ids]) => [type, ids!.filter((_, i) => i % 2 === 0)]),
    );
    const reader = createMetricReader({ redis, clickhouse });
    for (const [type, ids] of Object.entries(cached) as [EntityType, number[]][]) {
      await reader.getMetrics({
        entityType: type,
        entityIds: ids,
        metrics: TRUTH_METRICS[type],
        timeframes: TIMEFRAMES,
      });
    }

    const started = performance.now();
    const changes = await changeWorld(db, publisher, world);
    timings.phaseTwoWrite = Math.round(performance.now() - started);
    const left = await settle(scope);
    timings.phaseTwoSettled = Math.round(performance.now() - started);
    timings.changes = world.changes + changes;
    timings.metricEventsStored = pipeline.stats.metricEventsStored;
    expect(left).toEqual([]);

    const now = Date.now();
    const redisLeft: string[] = [];
    for (const tf of TIMEFRAMES) {
      const truth = await computeGroundTruth(db, clickhouse, cached, windowStart(tf, now));
      const hashes: MetricTable = new Map();
      for (const [type, ids] of Object.entries(cached) as [EntityType, number[]][]) {
        for (const id of ids) {
          const hash = await redis.hgetall(`metrics:${type}:${id}`);
          for (const metric of TRUTH_METRICS[type]) {
            const field = tf === 'all' ? metric : `${metric}:${tf}`;
            hashes.set(
              metricKey(type, id, metric),
              hash[field] === undefined ? Number.NaN : Number(hash[field]),
            );
          }
        }
      }
      redisLeft.push(...diffMetrics(truth, hashes).map((d) => `[redis ${tf}] ${d}`));
    }
    expect(redisLeft).toEqual([]);
    expect(await ownDeadLetters()).toEqual([]);
  }, 180_000);

  it('after 10 s of random sample traffic (every table, creates/updates/deletes): ClickHouse equals the truth', async () => {
    let sample: SampleWorld | undefined;
    const stats: SampleTrafficStats = { changes: 0, byOperation: {} };
    const stop = new AbortController();
    const traffic = runSampleTraffic(db, 150, stop.signal, {
      publisher,
      stats,
      onWorld: (w) => {
        sample = w;
      },
    });
    await new Promise((r) => setTimeout(r, 10_000));
    stop.abort();
    await traffic;
    const started = performance.now();
    const w = sample!;
    const left = await settle(truthScope({ ...w, versions: [...w.versions.keys()] }));
    timings.sampleChanges = stats.changes;
    timings.sampleSettled = Math.round(performance.now() - started);
    expect(left).toEqual([]);
    expect(Object.keys(stats.byOperation).length).toBeGreaterThan(40);
  }, 180_000);
});
