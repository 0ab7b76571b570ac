// End-to-end ground truth for issue 5: a scripted run of creates, updates and deletes across every source
// table goes through the real stack (Postgres → Debezium → Kafka, ClickHouse source rows → Kafka) into the
// pipeline with every plugin of this package; afterwards every metric of every entity the run created
// (and that still exists), read from ClickHouse with FINAL and summed, equals the value computed from the
// source tables with SQL (ground-truth.ts), for all time, the last week and the last day. Hashes filled
// through the metric reader half-way through are kept exact in Redis by the increments. The whole run goes
// once on the stack's single Redis and once on its three-master Redis Cluster.
import type { ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseRowPublisher } from '@engagement/app-db/clickhouse';
import type { EventPipeline } from '@engagement/event-bus/kafka';
import { createMetricReader } from '@engagement/event-bus/reader';
import type { RedisClient } from '@engagement/event-bus/sinks/redis';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SampleWorld } from '../../../../scripts/sample-traffic/sample-world.js';
import { runSampleTraffic, type SampleTrafficStats } from '../../../../scripts/sample-traffic.js';
import { cachedMismatches, fillThroughReader } from './compare-metrics.js';
import { readDeadLetters, referencesAny } from './dead-letters.js';
import { scopeOfWorld, type TruthScope } from './ground-truth.js';
import { REDIS_KINDS, type RunPipeline, startRunPipeline } from './run-pipeline.js';
import { changeWorld, createWorld, type RunWorld, runIds } from './scripted-run.js';
import { settleTruth } from './settle-truth.js';

// On the single Redis, a database of its own: other pipelines on the shared stack increment `metrics:*`
// hashes in db 0. A Cluster has only db 0: the run's own entities and cache scope keep it apart.
const REDIS_DB = 7;

const env = inject('stackEnv');

describe.each(REDIS_KINDS)('every metric equals its ground truth after a scripted run (%s Redis)', (kind) => {
  const run = `gt${kind[0]}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  let stack: RunPipeline;
  let db: pg.Client;
  let clickhouse: ClickHouseClient;
  let redis: RedisClient;
  let kafka: Kafka;
  let pipeline: EventPipeline;
  let publisher: ClickHouseRowPublisher;
  let world: RunWorld;
  const timings: Record<string, number> = {};

  const settle = (scope: TruthScope) => settleTruth(db, clickhouse, scope);

  beforeAll(async () => {
    const setupStarted = performance.now();
    stack = await startRunPipeline(env, run, {
      redisDb: kind === 'single' ? REDIS_DB : 'cluster',
      onStep: (name) => {
        timings[name] = Math.round(performance.now() - setupStarted);
      },
    });
    ({ db, clickhouse, redis, kafka, pipeline, publisher } = stack);
  });

  afterAll(async () => {
    const closing = performance.now();
    await stack?.close();
    timings.pipelineClose = Math.round(performance.now() - closing);
    console.log(`ground truth timings on ${kind} Redis (ms): ${JSON.stringify(timings)}`);
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

  it('after creates (phase one): ClickHouse sums equal the truth for all, week and day', async () => {
    const started = performance.now();
    world = await createWorld(db, publisher, run);
    timings.phaseOneWrite = Math.round(performance.now() - started);
    const left = await settle(scopeOfWorld(world));
    timings.phaseOneSettled = Math.round(performance.now() - started);
    expect(left).toEqual([]);
    expect(await ownDeadLetters()).toEqual([]);
  }, 180_000);

  it('after updates and deletes (phase two): ClickHouse and the cached Redis hashes equal the truth', async () => {
    expect(world, 'phase one must have run').toBeDefined();
    const scope = scopeOfWorld(world);
    // Fill hashes the way the app does (reader miss → ClickHouse → Redis) for half of the entities.
    const cached: TruthScope = Object.fromEntries(
      Object.entries(scope).map(([type, ids]) => [type, ids!.filter((_, i) => i % 2 === 0)]),
    );
    await fillThroughReader(createMetricReader({ redis, clickhouse }), redis, cached);

    const started = performance.now();
    const changes = await changeWorld(db, publisher, world);
    timings.phaseTwoWrite = Math.round(performance.now() - started);
    const left = await settle(scope);
    timings.phaseTwoSettled = Math.round(performance.now() - started);
    timings.changes = world.changes + changes;
    timings.metricEventsStored = pipeline.stats.metricEventsStored;
    expect(left).toEqual([]);

    const redisLeft = await cachedMismatches(db, clickhouse, redis, cached);
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
    const left = await settle(scopeOfWorld(sample!));
    timings.sampleChanges = stats.changes;
    timings.sampleSettled = Math.round(performance.now() - started);
    expect(left).toEqual([]);
    expect(Object.keys(stats.byOperation).length).toBeGreaterThan(40);
  }, 180_000);
});
