// Several partitions processed at once with a listener that really waits in the middle of a change (as a
// listener does when a lookup misses its cache and queries the database): every change's metric events
// must come out with that change, none lost, none carried by another change. The consumer runs up to
// `partitionsConsumedConcurrently` batches at once on one dispatcher, so this is the case where a listener
// run's context could leak into another run's (the eleventh session's 3fe997e did, and every exactness
// test then passed: their listeners' lookups are prefetched, so nothing waited in the middle of a change).
// Checked per change (each row's sourceTx against the change that must have produced it) and as totals.
// The cache runs on one shard here (a single Redis node's `redis.cacheShards`); the crash and backpressure
// tests keep the default 16.
import { defineListener, definePlugin, type MetricInput, readRow } from '@engagement/plugin-api';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPipeline } from '../src/kafka/create-pipeline.js';
import { ensureTopics } from '../src/kafka/topics.js';
import { createCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { connectStack, type StackConnections, waitFor } from './integration-env.js';
import { startSyntheticPipeline } from './reaction-stack.js';
import { reactionCounter } from './sample-plugin.js';
import {
  groupLag,
  type Prefill,
  prefillRedis,
  produceAll,
  type SyntheticReactions,
  syntheticReactions,
} from './synthetic-reactions.js';
import { expectSinksEqualTruth } from './synthetic-truth.js';

const PARTITIONS = 12;
const CONCURRENT = 3;
const CACHE_KEYS = createCacheKeys(1);

let stack: StackConnections;
let admin: Admin;
let pipeline: EventPipeline;
let data: SyntheticReactions & { seed: number };
let prefill: Prefill;
let topic: string;
let metricTopic: string;
let deadLetterTopic: string;
let groupId: string;

/** Runs of `handle` waiting now, and the most seen at once: the test shows the overlap it relies on. */
const runs = { waiting: 0, mostAtOnce: 0, handled: 0 };

/**
 * The sample listener's counting (sample-plugin.ts), asynchronous: its image metrics, then a timer wait of
 * 0–2 ms (a lookup's round trip), then its user metric. Other partitions' batches run during the wait.
 */
const waitingReactions = defineListener({
  id: 'concurrent.reactions',
  tables: ['ImageReaction'],
  canHandle: (e) => e.table === 'ImageReaction' && e.op !== 'snapshot',
  async handle(e, ctx) {
    const inputs: MetricInput[] = [];
    await reactionCounter.handle(e, { ...ctx, metrics: { add: (m) => inputs.push(m), touch() {} } });
    for (const m of inputs) if (m.entityType !== 'User') ctx.metrics.add(m);
    runs.waiting++;
    runs.mostAtOnce = Math.max(runs.mostAtOnce, runs.waiting);
    try {
      await new Promise((r) => setTimeout(r, readRow((e.after ?? e.before)!).int('id') % 3));
    } finally {
      runs.waiting--;
    }
    for (const m of inputs) if (m.entityType === 'User') ctx.metrics.add(m);
    runs.handled++;
  },
});
const concurrentPlugin = definePlugin({
  id: 'concurrent',
  owner: '@team/platform',
  listeners: [waitingReactions],
});

/** `sourceTx|entityType:entityId:metricType|value` of every event the traffic's changes must produce. */
function expectedRows(d: SyntheticReactions): string[] {
  const out: string[] = [];
  for (const m of d.messages) {
    const change = JSON.parse(m.value) as {
      op: 'c' | 'd';
      before: { imageId: number; userId: number; reaction: string } | null;
      after: { imageId: number; userId: number; reaction: string } | null;
      source: { txId: number };
    };
    const row = (change.op === 'd' ? change.before : change.after)!;
    const sign = change.op === 'd' ? -1 : 1;
    const tx = change.source.txId;
    out.push(`${tx}|Image:${row.imageId}:${row.reaction.toLowerCase()}Count|${sign}`);
    out.push(`${tx}|Image:${row.imageId}:reactionCount|${sign}`);
    out.push(`${tx}|User:${row.userId}:reactionCount|${sign}`);
  }
  return out.sort();
}

/** The same text for every row ClickHouse holds for the run's entities (`FINAL`: replays collapsed). */
async function storedRows(d: SyntheticReactions): Promise<string[]> {
  const result = await stack.clickhouse.query({
    query: `SELECT sourceTx, entityType, entityId, metricType, metricValue FROM entityMetricEvents FINAL
            WHERE entityId >= {lo:Int64} AND entityId <= {hi:Int64}`,
    query_params: { lo: d.imageIds[0]!, hi: d.userIds[d.userIds.length - 1]! },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{
    sourceTx: string | number | null;
    entityType: string;
    entityId: string;
    metricType: string;
    metricValue: string | number;
  }>();
  return rows
    .map((r) => `${r.sourceTx}|${r.entityType}:${r.entityId}:${r.metricType}|${Number(r.metricValue)}`)
    .sort();
}

/** Rows of `want` not in `got` and of `got` not in `want` (as multisets), the first 20 of each. */
function differences(want: string[], got: string[]): { missing: string[]; extra: string[] } {
  const left = new Map<string, number>();
  for (const row of want) left.set(row, (left.get(row) ?? 0) + 1);
  const extra: string[] = [];
  for (const row of got) {
    const n = left.get(row) ?? 0;
    if (n === 0) extra.push(row);
    else left.set(row, n - 1);
  }
  const missing = [...left].flatMap(([row, n]) => Array<string>(n).fill(row));
  return { missing: missing.slice(0, 20), extra: extra.slice(0, 20) };
}

beforeAll(async () => {
  stack = await connectStack();
  admin = stack.kafka.admin();
  await admin.connect();
  topic = stack.unique('concurrent.reactions');
  metricTopic = `${topic}.metrics`;
  deadLetterTopic = `${topic}.dlq`;
  groupId = stack.unique('concurrent');
  await ensureTopics(admin, [topic], { numPartitions: PARTITIONS });
  data = syntheticReactions({
    creates: 3_000,
    deleteEvery: 7,
    images: 40,
    users: 25,
    partitions: PARTITIONS,
  });
  prefill = await prefillRedis(stack.redis, data, undefined, CACHE_KEYS);
  // Everything is in the topic before the consumer starts: its first fetch gets every partition at once.
  await produceAll(stack.kafka, topic, data.messages);
  pipeline = await startSyntheticPipeline(stack, topic, concurrentPlugin, {
    groupId,
    flushIntervalMs: 200,
    partitionsConsumedConcurrently: CONCURRENT,
    cacheKeys: CACHE_KEYS,
    // Small chunks: each batch reaches the dispatcher in several pieces, so the partitions' pieces interleave.
    chunkSize: 40,
  });
});

afterAll(async () => {
  await pipeline?.close();
  if (prefill) await stack.redis.del(...prefill.hashes.keys(), ...prefill.absent);
  await admin?.deleteTopics({ topics: [topic, metricTopic, deadLetterTopic] }).catch(() => undefined);
  await admin?.disconnect();
  await stack?.close();
});

describe('partitions processed at once by a listener that waits mid-change', () => {
  it('keeps every change’s events with that change, in ClickHouse and in Redis', async () => {
    await waitFor(
      () => groupLag(admin, groupId, [topic, metricTopic]),
      (l) => l.caughtUp && Object.keys(l.end).filter((k) => k.startsWith(`${topic}:`)).length === PARTITIONS,
      90_000,
    );
    console.log(
      'concurrent listener figures',
      JSON.stringify({ seed: data.seed, changes: data.messages.length, runs, stats: pipeline.stats }),
    );
    // The overlap the test exists for: runs of the listener from several partitions waited at once.
    expect(runs.mostAtOnce).toBeGreaterThan(1);
    expect(runs.handled).toBeGreaterThanOrEqual(data.messages.length);
    expect(pipeline.stats.deadLetters).toBe(0);
    const stored = await storedRows(data);
    const expected = expectedRows(data);
    expect({ rows: stored.length, ...differences(expected, stored) }).toEqual({
      rows: expected.length,
      missing: [],
      extra: [],
    });
    await expectSinksEqualTruth(stack.clickhouse, stack.redis, data, prefill);
  });
});
