// Crash test: SIGKILL the consuming process in the middle of a batch, restart it, and the ClickHouse
// totals (as reads see them, FINAL) and the Redis counters equal the truth computed from the produced
// changes. The consumer runs in a child process (crash-child.ts) with its own embedded ClickHouse path.
// Each run is killed at one of the points where a crash leaves the sinks apart (after a publish, after an
// insert, after a cache apply, in the middle of a roll of the read rollup, in a compaction), every point at
// least once, in an order and at shares of the remaining traffic drawn from the seed: CRASH_SEED=<n>
// replays the same traffic and the same kills. ClickHouse is read both with FINAL and through the read
// rollup, as fills read it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../scripts/sample-traffic/random.js';
import { ensureTopics } from '../src/kafka/topics.js';
import { openClickHouse } from '../src/sinks/clickhouse/client.js';
import { readRollState } from '../src/sinks/clickhouse/roll-state.js';
import { cacheWatermarkKey, defaultCacheKeys, shardWatermarkKey } from '../src/sinks/redis/cache-keys.js';
import { CrashChildren, KILL_POINTS, type KillPoint, tail } from './crash-children.js';
import { connectStack, type StackConnections, waitFor } from './integration-env.js';
import {
  clickhouseRawCounts,
  groupLag,
  type Prefill,
  prefillRedis,
  produceAll,
  type SyntheticReactions,
  syntheticReactions,
} from './synthetic-reactions.js';
import { expectSinksEqualTruth } from './synthetic-truth.js';

/** Kills before the final run: every kill point once, more only while no duplicate was seen yet. */
const MIN_KILLS = KILL_POINTS.length;
const MAX_KILLS = 6;
const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));

/**
 * The kills the seed draws: every kill point once in a shuffled order, then random ones. A run is killed
 * once it inserted a share of the metric events its source changes still hold (from the group's committed
 * offsets on, replays included): 10–25% for the first run, 10–30% for the others. A share of what is left,
 * not of the whole: with five kill points, fixed shares of the whole could use the traffic up before the
 * last point was reached (a run that catches up first cannot be killed there).
 */
function killPlan(seed: number): { at: KillPoint; share: number }[] {
  const random = seededRandom(seed ^ 0x5bd1e995);
  const order: KillPoint[] = [...KILL_POINTS];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  while (order.length < MAX_KILLS) order.push(KILL_POINTS[Math.floor(random() * KILL_POINTS.length)]!);
  return order.map((at, k) => ({ at, share: k === 0 ? 0.1 + 0.15 * random() : 0.1 + 0.2 * random() }));
}

let stack: StackConnections;
let admin: Admin;
let data: SyntheticReactions & { seed: number };
let prefill: Prefill;
let chPath: string;
let childEnv: Record<string, string>;
let children: CrashChildren;
/** The cache's watermark hashes (per origin, the highest originSeq applied to Redis). */
let watermarks: string[] = [];
let ch: ClickHouseClient | undefined;

beforeAll(async () => {
  stack = await connectStack();
  // One chDB engine per process: release the stack's so this process can open the child's path later.
  await stack.clickhouse.close();
  admin = stack.kafka.admin();
  await admin.connect();
  const topic = stack.unique('crash.reactions');
  chPath = mkdtempSync(join(tmpdir(), 'eb-crash-ch-'));
  childEnv = {
    CRASH_BROKERS: stack.env.KAFKA_BROKERS!,
    CRASH_REDIS_URL: stack.env.REDIS_URL!,
    CRASH_TOPIC: topic,
    CRASH_GROUP: stack.unique('crash-group'),
    CRASH_METRIC_TOPIC: stack.unique('crash.metric-events'),
    CRASH_DLQ_TOPIC: stack.unique('crash.dead-letters'),
    CRASH_SCOPE: stack.unique('crash'),
    CRASH_CH_PATH: chPath,
    CRASH_FLUSH_ROWS: '1500',
    CRASH_FLUSH_MS: '200',
    CRASH_SESSION_TIMEOUT_MS: '6000',
  };
  await ensureTopics(admin, [topic], { numPartitions: 3 });
  console.log(`crash seed ${SEED} (CRASH_SEED=${SEED} replays the same traffic and kills)`);
  data = syntheticReactions({
    creates: 30_000,
    deleteEvery: 8,
    images: 50,
    users: 20,
    partitions: 3,
    seed: SEED,
  });
  await produceAll(stack.kafka, topic, data.messages);
  prefill = await prefillRedis(stack.redis, data);
  watermarks = Array.from({ length: defaultCacheKeys.shards }, (_, k) =>
    shardWatermarkKey(cacheWatermarkKey(childEnv.CRASH_SCOPE), k),
  );
  children = new CrashChildren(admin, childEnv, stack.redis, watermarks);
});

afterAll(async () => {
  children?.killAll();
  await ch?.close();
  if (prefill) await stack.redis.del(...prefill.hashes.keys(), ...prefill.absent);
  if (childEnv) {
    if (watermarks.length > 0) await stack.redis.del(...watermarks);
    await admin
      .deleteTopics({
        topics: [childEnv.CRASH_TOPIC!, childEnv.CRASH_METRIC_TOPIC!, childEnv.CRASH_DLQ_TOPIC!],
      })
      .catch(() => undefined);
  }
  await admin?.disconnect();
  await stack?.close();
  if (chPath) rmSync(chPath, { recursive: true, force: true });
});

describe('crash recovery', () => {
  // Up to seven process starts, each waiting out the dead member's session on a possibly fresh broker.
  it('counts exactly after SIGKILLs in the middle of batches', { timeout: 300_000 }, async () => {
    const started = Date.now();
    const kills: {
      atRows: number;
      at: string;
      committedMessages: number;
      insertedSoFar: number;
      /** At a publish: changes whose events Redis held and ClickHouse did not, and publishes passed over. */
      cacheAheadOfStore?: number;
      publishesPassed?: number;
    }[] = [];
    const insertedSoFar = () => children.runs.reduce((n, r) => n + r.inserted, 0);
    const skippedSoFar = () =>
      children.runs.reduce((n, r) => n + Number((r.closedStats ?? r.lastStats)?.cacheEventsSkipped ?? 0), 0);
    // Duplicates in ClickHouse are certain once more rows were inserted than the committed offsets
    // account for: those rows are replayed and inserted again by the next run.
    let storedBeyondCommit = false;

    const plan = killPlan(SEED);
    let committed = 0;
    for (const [k, { at, share }] of plan.entries()) {
      if (k >= MIN_KILLS && storedBeyondCommit && skippedSoFar() > 0) break;
      const left = data.metricEvents * (1 - committed / data.messages.length);
      const rows = Math.round(share * left);
      if (!(await children.runAndKill(rows, at))) break;
      committed = await children.committedMessages();
      const { cacheAheadOfStore, publishesPassed } = children.runs.at(-1)!;
      kills.push({
        at,
        atRows: rows,
        committedMessages: committed,
        insertedSoFar: insertedSoFar(),
        ...(at === 'published' ? { cacheAheadOfStore, publishesPassed } : {}),
      });
      if (insertedSoFar() > committed * 3) storedBeyondCommit = true;
    }

    // Final run: until the group's committed offsets reach the end of the source and the metric topic.
    const last = children.spawn();
    await waitFor(
      () => groupLag(admin, childEnv.CRASH_GROUP!, [childEnv.CRASH_TOPIC!, childEnv.CRASH_METRIC_TOPIC!]),
      (lag) => lag.caughtUp,
      90_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nfinal child:\n${tail(last.stderr)}`);
    });
    const exit = await children.close(last);
    expect(exit, last.stderr).toEqual({ code: 0, signal: null });
    expect(last.closedStats?.deadLetters).toBe(0);

    // The path the killed and the closed processes held opens again in this process.
    ch = await openClickHouse({ path: chPath });
    const raw = await clickhouseRawCounts(ch, data);
    const rolls = (await readRollState(ch))!;

    const figures = {
      seed: data.seed,
      messages: data.messages.length,
      metricEvents: data.metricEvents,
      kills,
      insertedPerRun: children.runs.map((r) => r.inserted),
      cacheSkippedPerRun: children.runs.map((r) => (r.closedStats ?? r.lastStats)?.cacheEventsSkipped ?? 0),
      cacheRollbacksPerRun: children.runs.map((r) => (r.closedStats ?? r.lastStats)?.cacheRollbacks ?? 0),
      clickhouseRawRows: raw.rows,
      clickhouseDistinctEventIds: raw.distinctIds,
      rollHead: rolls.head?.gen,
      rollsNeverCommitted: rolls.excluded.length,
      compactedDays: Object.keys(rolls.head?.floors ?? {}).length,
      seconds: (Date.now() - started) / 1000,
    };
    console.log('crash test figures', JSON.stringify(figures));

    await expectSinksEqualTruth(ch, stack.redis, data, prefill);

    // Every kill point was hit, and duplicates really happened, so the exact totals above prove
    // deduplication, not luck.
    expect(new Set(kills.map((k) => k.at)).size, `kills ${JSON.stringify(kills)}`).toBe(KILL_POINTS.length);
    expect(insertedSoFar(), 'rows inserted more than once into ClickHouse').toBeGreaterThan(
      data.metricEvents,
    );
    expect(skippedSoFar(), 'redelivered metric events skipped by the cache').toBeGreaterThan(0);
    expect(raw.distinctIds).toBe(data.metricEvents);
    // Rolls committed after the first (empty) one, and the kill in a roll left one begun and never
    // committed, whose daily rows the reads above had to skip.
    expect(rolls.head!.gen).toBeGreaterThan(1);
    expect(rolls.excluded.length).toBeGreaterThan(0);
    // Compactions committed too: the reads above skipped the rows they replaced.
    expect(figures.compactedDays).toBeGreaterThan(0);
    // Redis kept every write here: a restarted consumer must not take Kafka's offsets for lost writes.
    expect(figures.cacheRollbacksPerRun.every((n) => n === 0)).toBe(true);
  });
});
