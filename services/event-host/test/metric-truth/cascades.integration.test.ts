// Issue 12, classes 2 and 3 (collection items): cascading deletes at every level and items moved between
// collections, through the real stack (Postgres → Debezium → Kafka → the pipeline with every plugin →
// ClickHouse), with many more source partitions than the 3 consumed at once and the host restarted
// half-way through the deletes (its memory of parents lost, a backlog of children and parents waiting).
// No change may be dead-lettered, and every metric of every entity the run created and that still
// exists must equal its SQL truth. The run is seeded: CASCADE_SEED=<n> replays one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { createAppDb } from '@engagement/app-db';
import {
  ClickHouseRowPublisher,
  clickhouseSourceDdl,
  orchestrationJobs,
} from '@engagement/app-db/clickhouse';
import type { EventPipeline } from '@engagement/event-bus/kafka';
import { ensureMetricEventTable, openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import { startGroupAtEnd } from '@engagement/event-bus/testing';
import { Redis } from 'ioredis';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cascadePlan, engage } from './cascade-traffic.js';
import { CascadeSql } from './cascade-world.js';
import { consoleLogger } from './console-logger.js';
import { readDeadLetters } from './dead-letters.js';
import { scopeOfWorld } from './ground-truth.js';
import { type RunRecomputer, startRunRecomputer } from './recompute-run.js';
import { runSourceTopics, startRunEventPipeline } from './run-pipeline.js';
import { settleTruth } from './settle-truth.js';
import { ensurePartitions, groupReport, highWatermarks, partitionsWritten } from './source-partitions.js';

const PARTITIONS = Number(process.env.CASCADE_PARTITIONS ?? 6);
const SEED = Number(process.env.CASCADE_SEED ?? Math.floor(Math.random() * 1_000_000));
const env = inject('stackEnv');
const run = `cs${Date.now().toString(36)}`;
const chPath = mkdtempSync(join(tmpdir(), 'cascade-ch-'));
let db: pg.Client;
let clickhouse: ClickHouseClient;
let redis: Redis;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let publisher: ClickHouseRowPublisher;
let appDb: ReturnType<typeof createAppDb>;
let pipeline: EventPipeline;
let recompute: RunRecomputer;
let topics: string[];
let deadLetters = 0;
let consumed = 0;

const startPipeline = () =>
  startRunEventPipeline(env, run, {
    topics,
    clickhouse,
    redis,
    appDb,
    logger: process.env.CASCADE_LOG ? consoleLogger() : undefined,
    // partitionsConsumedConcurrently: the default (3), far fewer than the source partitions.
  });

/** Closes the pipeline as a host stops (graceful), then starts a new one: nothing carried over. */
async function restartPipeline(): Promise<void> {
  await pipeline.close();
  deadLetters += pipeline.stats.deadLetters;
  consumed += pipeline.stats.consumed;
  pipeline = await startPipeline();
}

beforeAll(async () => {
  db = new pg.Client({ connectionString: env.POSTGRES_URL });
  await db.connect();
  clickhouse = await openClickHouse({ path: chPath });
  await ensureMetricEventTable(clickhouse);
  for (const statement of clickhouseSourceDdl()) await clickhouse.command({ query: statement });
  redis = new Redis(env.REDIS_URL!, { db: 8 });
  kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ idempotent: true });
  await producer.connect();
  publisher = new ClickHouseRowPublisher({ clickhouse, producer, topicPrefix: `${run}.ch` });
  appDb = createAppDb({ url: env.POSTGRES_URL! });
  topics = runSourceTopics(env, run);
  await ensurePartitions(admin, topics, PARTITIONS);
  await startGroupAtEnd(kafka, `${run}-pipeline`, topics);
  pipeline = await startPipeline();
  recompute = await startRunRecomputer(env, run, { kafka, clickhouse, redis, topics });
}, 120_000);

afterAll(async () => {
  await recompute?.close();
  await pipeline?.close();
  await producer?.disconnect();
  await admin?.disconnect();
  await appDb?.$disconnect();
  redis?.disconnect();
  await db?.end();
  await clickhouse?.close();
  rmSync(chPath, { recursive: true, force: true });
});

describe('cascading deletes and collection-item moves (real stack, restart mid-run)', () => {
  it('dead-letter nothing, and every metric equals its SQL truth', async () => {
    console.log(`cascade seed ${SEED} (CASCADE_SEED=${SEED} replays the same choices)`);
    const before = await highWatermarks(admin, topics);
    const runStarted = new Date();
    const sql = new CascadeSql(db, SEED, run);
    await sql.createWorld(10);
    for (let i = 0; i < 400; i++) await engage(sql);
    // Generation jobs on versions that are only ever deleted with their model (ClickHouse rows reach the
    // listeners through their own topic, in no order with the Postgres changes).
    const jobs = [...sql.world.chVersions].map((v, i) => ({
      type: 'TextToImage',
      userId: sql.world.users[i % sql.world.users.length]!,
      createdAt: new Date(),
      cost: 1,
      resourcesUsed: [v],
      status: 'Succeeded',
    }));
    await publisher.publish(orchestrationJobs, jobs);

    const plan = cascadePlan(sql, 300);
    let restarted: Promise<void> | undefined;
    for (const [i, change] of plan.entries()) {
      if (i === Math.floor(plan.length / 2)) restarted = restartPipeline();
      await change(sql);
      await new Promise((r) => setTimeout(r, 5));
    }
    await restarted;
    await sql.refresh();
    const w = sql.world;
    const scope = scopeOfWorld(w);
    const left = await settleTruth(db, clickhouse, scope, 120_000);
    deadLetters += pipeline.stats.deadLetters;
    consumed += pipeline.stats.consumed;

    const archived = await db.query(
      `SELECT "tableName", count(*)::int AS n FROM event_bus.deleted_row WHERE "deletedAt" >= $1 GROUP BY 1 ORDER BY 1`,
      [runStarted],
    );
    const figures = {
      seed: SEED,
      statements: sql.statements,
      rowsChangedDirectly: sql.rows,
      archivedParents: Object.fromEntries(archived.rows.map((r) => [r.tableName, r.n])),
      sourceTopics: topics.length,
      sourcePartitions: before.size,
      partitionsWritten: await partitionsWritten(admin, topics, before),
      partitionsConsumedConcurrently: 3,
      entitiesCompared: Object.values(scope).reduce((s, ids) => s + ids.length, 0),
      consumed,
      deadLetters,
      ...(left.length > 0 ? await groupReport(admin, `${run}-pipeline`, topics) : {}),
    };
    console.log(`cascade run: ${JSON.stringify(figures, null, 1)}`);
    if (deadLetters > 0) {
      const letters = await readDeadLetters(kafka, `${run}.dead-letters`);
      console.log(letters.map((l) => `${l.sourceTopic} ${l.listener}: ${l.message}`).join('\n'));
    }

    expect(left).toEqual([]);
    expect(deadLetters).toBe(0);
    expect(figures.partitionsWritten).toBeGreaterThan(3 * figures.partitionsConsumedConcurrently);
    expect(sql.rows['collectionItem.move']).toBeGreaterThan(10);
    for (const kind of ['Image', 'ModelVersion', 'Model', 'Thread', 'Collection'])
      expect(figures.archivedParents[kind], kind).toBeGreaterThan(0);
    // The archive is never captured: no topic of it exists.
    expect((await admin.listTopics()).filter((t) => /deleted_row|event_bus/.test(t))).toEqual([]);
  }, 400_000);
});
