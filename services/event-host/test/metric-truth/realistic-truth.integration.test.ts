// Exact under realistic traffic (issue 12): seeded random traffic on every source table of the mapping —
// updates of every counted column, children moved between parents, cascading deletes at every level,
// ClickHouse rows published twice — runs through the real stack (90 Debezium partitions, 3 consumed at
// once) while readers fill and refill cached hashes. Afterwards every metric of every entity that still
// exists equals SQL over the source tables, all-time and for the week, in ClickHouse, in the cached
// hashes and through the reader, with no dead letter: every metric, the ones kept by recompute on touch
// (a post's reactions as images move, a model's distinct images) included. The seed is printed;
// TRUTH_SEED=<seed> replays it. The run goes once on the stack's single Redis and once on its three-master
// Redis Cluster, with the same seed.
import { createMetricReader, type MetricReader } from '@engagement/event-bus/reader';
import { defaultCacheKeys } from '@engagement/event-bus/sinks/redis';
import type { EntityType } from '@engagement/metric-listeners';
import { type Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SampleWorld } from '../../../../scripts/sample-traffic/sample-world.js';
import { runSampleTraffic, type SampleTrafficStats } from '../../../../scripts/sample-traffic.js';
import { openRedis } from '../../src/host/open-redis.js';
import { dropMetricHashes } from '../reconcile-clients.js';
import { clickhouseMismatches, fillThroughReader, TIMEFRAMES } from './compare-metrics.js';
import { readDeadLetters, referencesAny } from './dead-letters.js';
import {
  computeGroundTruth,
  diffMetrics,
  type MetricTable,
  metricKey,
  scopeOfWorld,
  TRUTH_METRICS,
  type TruthScope,
  windowStart,
} from './ground-truth.js';
import { REDIS_KINDS, type RedisKind, type RunPipeline, startRunPipeline } from './run-pipeline.js';

const SEED = Number(process.env.TRUTH_SEED ?? Math.floor(Math.random() * 1_000_000_000));
const TRAFFIC_MS = Number(process.env.TRUTH_TRAFFIC_MS ?? 40_000);
// On the single Redis, a database of its own (other tests' pipelines use theirs).
const REDIS_DB = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let t: RunPipeline;

/**
 * Hashes are keyed by entity only: a run on a stack kept from an earlier one would read that run's hashes.
 * The single Redis drops its test database; a Cluster (database 0 only) drops its cached metric keys.
 */
async function dropEarlierHashes(env: Record<string, string>, kind: RedisKind) {
  if (kind === 'single') {
    const own = new Redis(env.REDIS_URL!, { db: REDIS_DB });
    await own.flushdb();
    own.disconnect();
    return;
  }
  const cluster = openRedis({ redis: { clusterNodes: env.REDIS_CLUSTER_NODES!.split(',') } }) as Cluster;
  await cluster.connect();
  try {
    await dropMetricHashes(cluster);
  } finally {
    cluster.disconnect();
  }
}

const scopeOf = scopeOfWorld;

/** Two in five entities of each type: the ones the app would have cached. */
const cachedPart = (scope: TruthScope): TruthScope =>
  Object.fromEntries(Object.entries(scope).map(([type, ids]) => [type, ids!.filter((id) => id % 5 < 2)]));

async function readAll(reader: MetricReader, scope: TruthScope) {
  const out = new Map<string, MetricTable>(TIMEFRAMES.map((tf) => [tf, new Map()]));
  for (const [type, ids] of Object.entries(scope) as [EntityType, number[]][]) {
    if (ids.length === 0) continue;
    const metrics = TRUTH_METRICS[type];
    const read = await reader.getMetrics({
      entityType: type,
      entityIds: ids,
      metrics,
      timeframes: TIMEFRAMES,
    });
    for (const id of ids)
      for (const m of metrics)
        for (const tf of TIMEFRAMES) out.get(tf)!.set(metricKey(type, id, m), read.get(id)![m]![tf]);
  }
  return out;
}

/**
 * While traffic runs: every 2 s, drop a fifth of the cached hashes and fill them again through the reader,
 * then read every cached hash and note each field below zero (no count may ever read below zero, also
 * while moves wait for their recompute).
 */
async function refillWhileRunning(
  reader: MetricReader,
  world: () => SampleWorld | undefined,
  signal: AbortSignal,
  belowZero: string[],
) {
  let rounds = 0;
  while (!signal.aborted) {
    const w = world();
    if (w) {
      const cached = cachedPart(scopeOf(w));
      const some = (ids: readonly number[]) => ids.filter(() => Math.random() < 0.2);
      await fillThroughReader(
        reader,
        t.redis,
        Object.fromEntries(Object.entries(cached).map(([k, ids]) => [k, some(ids!)])),
        true,
      );
      await fillThroughReader(reader, t.redis, cached);
      for (const [type, ids] of Object.entries(cached))
        for (const id of ids!) {
          const hash = await t.redis.hgetall(defaultCacheKeys.key(type, id));
          for (const [field, value] of Object.entries(hash))
            if (!field.startsWith('~') && Number(value) < 0)
              belowZero.push(`${type}:${id}:${field} = ${value}`);
        }
      rounds++;
    }
    await sleep(2_000);
  }
  return rounds;
}

async function cachedHashes(scope: TruthScope, tf: (typeof TIMEFRAMES)[number]): Promise<MetricTable> {
  const out: MetricTable = new Map();
  for (const [type, ids] of Object.entries(scope) as [EntityType, number[]][])
    for (const id of ids) {
      const hash = await t.redis.hgetall(defaultCacheKeys.key(type, id));
      if (Object.keys(hash).length === 0) continue; // expired or never filled: nothing cached to be wrong
      for (const metric of TRUTH_METRICS[type]) {
        const field = tf === 'all' ? metric : `${metric}:${tf}`;
        out.set(metricKey(type, id, metric), hash[field] === undefined ? Number.NaN : Number(hash[field]));
      }
    }
  return out;
}

/** The truth restricted to the keys of `stored` (hashes hold only the entities that were cached). */
const only = (truth: MetricTable, stored: MetricTable): MetricTable =>
  new Map([...stored.keys()].map((k) => [k, truth.get(k) ?? 0]));

describe.each(REDIS_KINDS)('exact under realistic traffic (%s Redis)', (kind) => {
  const run = `rt${kind[0]}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

  beforeAll(async () => {
    console.log(`realistic truth (${kind} Redis): seed ${SEED} (replay with TRUTH_SEED=${SEED})`);
    const env = inject('stackEnv');
    await dropEarlierHashes(env, kind);
    t = await startRunPipeline(env, run, { redisDb: kind === 'single' ? REDIS_DB : 'cluster' });
  }, 180_000);

  afterAll(async () => {
    await t?.close();
  });

  it('ClickHouse, cached hashes and the reader equal SQL truth after seeded realistic traffic', async () => {
    const stats: SampleTrafficStats = { changes: 0, byOperation: {} };
    const log: { op: string; ids: number[] }[] = [];
    const everIds: Record<string, Set<number>> = {};
    const hardChanges = ['image.move', 'collectionItem.move', 'image.delete', 'post.delete', 'user.delete'];
    let world: SampleWorld | undefined;
    const reader = createMetricReader({ redis: t.redis, clickhouse: t.clickhouse });
    const stop = new AbortController();
    const traffic = runSampleTraffic(t.db, 120, stop.signal, {
      publisher: t.publisher,
      stats,
      realistic: true,
      seed: SEED,
      log,
      everIds,
      atLeastOnce: hardChanges,
      onWorld: (w) => {
        world = w;
      },
    });
    const belowZero: string[] = [];
    const refills = refillWhileRunning(reader, () => world, stop.signal, belowZero);
    await sleep(TRAFFIC_MS);
    stop.abort();
    await traffic;
    const fills = await refills;
    console.log(`realistic truth: ${stats.changes} changes, ${fills} refill rounds; by operation:`);
    console.log(JSON.stringify(stats.byOperation, Object.keys(stats.byOperation).sort()));

    const scope = scopeOf(world!);
    // A mismatch line names the entity, the metric and the last operations that touched that id.
    const explain = (mismatch: string) => {
      const [type, id] = mismatch.replace(/^\[[^\]]+\] /, '').split(':');
      const ops = log.filter((l) => l.ids.includes(Number(id))).map((l) => l.op);
      return `${mismatch} ← ${type} ${id} touched by ${ops.length} ops: ${ops.slice(-12).join(', ')}`;
    };
    const clickhouseLeft = () => clickhouseMismatches(t.db, t.clickhouse, scope);
    // The stream settles: wait until ClickHouse agrees, then give the caches' apply stage a moment.
    let left = await clickhouseLeft();
    for (const deadline = Date.now() + 120_000; left.length > 0 && Date.now() < deadline; ) {
      await sleep(2_000);
      left = await clickhouseLeft();
    }
    await sleep(3_000);
    left = await clickhouseLeft();

    const cached = cachedPart(scope);
    const now = Date.now();
    for (const tf of TIMEFRAMES) {
      const truth = await computeGroundTruth(t.db, t.clickhouse, scope, windowStart(tf, now));
      const hashes = await cachedHashes(cached, tf);
      left.push(...diffMetrics(only(truth, hashes), hashes).map((d) => `[redis ${tf}] ${d}`));
    }
    const read = await readAll(reader, scope);
    for (const tf of TIMEFRAMES) {
      const truth = await computeGroundTruth(t.db, t.clickhouse, scope, windowStart(tf, now));
      left.push(...diffMetrics(truth, read.get(tf)!).map((d) => `[reader ${tf}] ${d}`));
    }
    const compared = Object.values(scope).reduce((n, ids) => n + ids!.length, 0);
    const recomputed = t.recompute!.recomputer.stats;
    console.log(
      `realistic truth: ${compared} entities compared, ${left.length} mismatches; recompute: ` +
        `${recomputed.recomputed} entities in ${recomputed.passes} passes, ${recomputed.corrections} corrections, ` +
        `${recomputed.notCaughtUp} not caught up, ${recomputed.failures} failed`,
    );
    expect(left.map(explain)).toEqual([]);
    console.log(`realistic truth: ${belowZero.length} cached fields read below zero during traffic`);
    expect([...new Set(belowZero)].map(explain)).toEqual([]);
    const letters = await readDeadLetters(t.kafka, `${run}.dead-letters`);
    const ours = letters.filter((l) => l.sourceTopic.startsWith(`${run}.`) || referencesAny(l.row, everIds));
    expect(ours.map((l) => `${l.sourceTopic} ${l.listener}: ${l.message}`)).toEqual([]);
    // Each class of hard change happened (otherwise this test proves nothing about it).
    for (const kind of hardChanges) expect(stats.byOperation[kind] ?? 0, kind).toBeGreaterThan(0);
  }, 600_000);
});
