// Backpressure test: while ClickHouse inserts fail, the consumer pauses with a bounded buffer, reports
// itself unhealthy and commits nothing; once ClickHouse is back it drains, and the totals (FINAL) and the
// Redis counters equal the truth computed from the produced changes.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPipeline } from '../src/kafka/create-pipeline.js';
import { ensureTopics } from '../src/kafka/topics.js';
import { connectStack, type StackConnections, waitFor } from './integration-env.js';
import { INSERT_JSON_LINES, insertJsonLinesOf, rowsOf } from './json-lines.js';
import { startSyntheticPipeline } from './reaction-stack.js';
import { samplePlugin } from './sample-plugin.js';
import {
  groupLag,
  type Prefill,
  prefillRedis,
  produceAll,
  type SyntheticReactions,
  syntheticReactions,
} from './synthetic-reactions.js';
import { expectSinksEqualTruth } from './synthetic-truth.js';

const FLUSH_ROWS = 500;
const MAX_BUFFERED_ROWS = 2_000;
/** Changes produced before the outage (all stored and committed) and during it. */
const WARMUP_CREATES = 1_500;
const OUTAGE_CREATES = 20_000;

let stack: StackConnections;
let admin: Admin;
let pipeline: EventPipeline;
let data: SyntheticReactions & { seed: number };
let prefill: Prefill;
let topic: string;
let metricTopic: string;
let groupId: string;

/** The outage switch and what the failing client saw. */
const outage = { failing: false, failedInserts: 0, largestFailedInsert: 0 };

/** The real embedded client, except that the metric event store's insert throws while the outage lasts. */
function failingClickHouse(real: ClickHouseClient): ClickHouseClient {
  const insert = insertJsonLinesOf(real);
  return new Proxy(real, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop !== INSERT_JSON_LINES) return typeof value === 'function' ? value.bind(target) : value;
      return async (table: string, body: Buffer) => {
        if (outage.failing) {
          outage.failedInserts++;
          outage.largestFailedInsert = Math.max(outage.largestFailedInsert, rowsOf(body));
          throw new Error('ClickHouse unavailable (test outage)');
        }
        return insert(table, body);
      };
    },
  });
}

const heapMb = () => Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10;
const caughtUp = () => groupLag(admin, groupId, [topic, metricTopic]);

beforeAll(async () => {
  stack = await connectStack();
  admin = stack.kafka.admin();
  await admin.connect();
  topic = stack.unique('backpressure.reactions');
  metricTopic = `${topic}.metrics`;
  groupId = stack.unique('backpressure');
  await ensureTopics(admin, [topic], { numPartitions: 3 });
  // One data set, so the truth covers both phases; the first messages are the warm-up.
  data = syntheticReactions({
    creates: WARMUP_CREATES + OUTAGE_CREATES,
    deleteEvery: 10,
    images: 50,
    users: 20,
    partitions: 3,
  });
  prefill = await prefillRedis(stack.redis, data);
  pipeline = await startSyntheticPipeline(stack, topic, samplePlugin, {
    groupId,
    clickhouse: failingClickHouse(stack.clickhouse),
    flushRows: FLUSH_ROWS,
    flushIntervalMs: 200,
    maxBufferedRows: MAX_BUFFERED_ROWS,
  });
});

afterAll(async () => {
  outage.failing = false;
  await pipeline?.close();
  if (prefill) await stack.redis.del(...prefill.hashes.keys(), ...prefill.absent);
  await admin?.deleteTopics({ topics: [topic, metricTopic, `${topic}.dlq`] }).catch(() => undefined);
  await admin?.disconnect();
  await stack?.close();
});

describe('backpressure', () => {
  it('pauses with a bounded buffer while ClickHouse fails, then drains with exact totals', async () => {
    const heap: Record<string, number> = { start: heapMb() };
    // A delete follows every 10th create, so the warm-up creates come with a tenth as many deletes.
    const warmupCount = WARMUP_CREATES + WARMUP_CREATES / 10;
    const warmup = data.messages.slice(0, warmupCount);
    const rest = data.messages.slice(warmupCount);

    // Healthy warm-up: everything stored, published, applied and committed.
    await produceAll(stack.kafka, topic, warmup);
    await waitFor(caughtUp, (l) => l.caughtUp && l.end[`${topic}:0`] !== undefined);
    const before = await groupLag(admin, groupId, [topic]);
    expect(pipeline.ingest.isHealthy).toBe(true);
    heap.afterWarmup = heapMb();

    // Outage: sample the consumer every 50 ms while the rest of the changes arrive.
    outage.failing = true;
    const samples = { maxBuffered: 0, pausedSeen: false, unhealthySeen: false, maxHeap: 0, n: 0 };
    const sampler = setInterval(() => {
      samples.n++;
      samples.maxBuffered = Math.max(samples.maxBuffered, pipeline.ingest.bufferedRows);
      samples.pausedSeen ||= pipeline.consumerState.paused;
      samples.unhealthySeen ||= !pipeline.ingest.isHealthy;
      samples.maxHeap = Math.max(samples.maxHeap, heapMb());
    }, 50);
    try {
      await produceAll(stack.kafka, topic, rest);
      await waitFor(
        async () => ({ paused: pipeline.consumerState.paused, healthy: pipeline.ingest.isHealthy }),
        (s) => s.paused && !s.healthy,
        20_000,
      );
      // Hold the outage: the consumer stays paused and reads nothing more, nothing is committed.
      const consumedAtPause = pipeline.stats.consumed;
      await new Promise((r) => setTimeout(r, 4_000));
      expect(pipeline.consumerState.paused).toBe(true);
      expect(pipeline.ingest.isHealthy).toBe(false);
      expect(pipeline.stats.consumed).toBe(consumedAtPause);
      expect(pipeline.stats.consumed).toBeLessThan(data.messages.length);
      const during = await groupLag(admin, groupId, [topic]);
      expect(during.committed).toEqual(before.committed);
      heap.duringStall = heapMb();
    } finally {
      clearInterval(sampler);
    }
    const stall = {
      consumed: pipeline.stats.consumed,
      bufferedRows: pipeline.ingest.bufferedRows,
      failedInserts: outage.failedInserts,
      largestFailedInsert: outage.largestFailedInsert,
    };
    expect(samples.pausedSeen).toBe(true);
    expect(samples.unhealthySeen).toBe(true);
    expect(outage.failedInserts).toBeGreaterThan(0);
    // Bounded: rows held (buffer plus the failing flush) stay at the bound, give or take the rows of one
    // change (3) per partition processed concurrently (3).
    expect(samples.maxBuffered).toBeLessThanOrEqual(MAX_BUFFERED_ROWS + 9);
    expect(stall.bufferedRows).toBeGreaterThanOrEqual(stall.largestFailedInsert);
    expect(stall.bufferedRows).toBeLessThanOrEqual(MAX_BUFFERED_ROWS + 9);

    // Recovery: the retried flush succeeds (within the sink's backoff), the consumer resumes and drains.
    const recoveredAt = Date.now();
    outage.failing = false;
    await waitFor(caughtUp, (l) => l.caughtUp, 60_000);
    const drainSeconds = (Date.now() - recoveredAt) / 1000;
    expect(pipeline.ingest.isHealthy).toBe(true);
    expect(pipeline.consumerState.paused).toBe(false);
    heap.afterDrain = heapMb();

    console.log(
      'backpressure figures',
      JSON.stringify({
        seed: data.seed,
        messages: data.messages.length,
        metricEvents: data.metricEvents,
        maxBufferedRows: MAX_BUFFERED_ROWS,
        flushRows: FLUSH_ROWS,
        samples,
        stall,
        heapUsedMb: heap,
        drainSeconds,
        stats: pipeline.stats,
      }),
    );

    await expectSinksEqualTruth(stack.clickhouse, stack.redis, data, prefill);
    expect(pipeline.stats.deadLetters).toBe(0);
  });
});
