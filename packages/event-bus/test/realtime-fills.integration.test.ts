import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPipeline } from '../src/kafka/create-pipeline.js';
import { createMetricReader, type ReadStats } from '../src/reader/index.js';
import { cacheWatermarkKey, defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { type StackConnections, waitFor } from './integration-env.js';
import { openReactionStack } from './reaction-stack.js';
import { expectCachedExact, METRICS, type ReactionTraffic, settle } from './reaction-traffic.js';

// Redis ahead of ClickHouse: the pipeline's ClickHouse flush is a minute (longer than the test), so events
// reach Redis long before ClickHouse holds them. Readers evict and refill the hashes while the stream runs,
// with one insert in the middle (its trims race the fills) and the last refill while ClickHouse still misses
// most events. Before the final insert every cached value must equal Postgres; after it, ClickHouse too, the
// recent lists must be gone, and a refill from ClickHouse alone must agree.

const STREAM_MS = 8_000;

let stack: StackConnections;
let pipeline: EventPipeline;
let scope: string;
let traffic: ReactionTraffic;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

beforeAll(async () => {
  ({ stack, traffic, pipeline, scope } = await openReactionStack(
    'realtime',
    { images: 10, fans: 15 },
    { flushIntervalMs: 60_000, flushRows: 1_000_000 },
  ));
});

afterAll(async () => {
  await pipeline?.close();
  await stack?.close();
});

function reader(reads: ReadStats[]) {
  return createMetricReader({
    redis: stack.redis,
    clickhouse: stack.clickhouse,
    onRead: (s) => reads.push(s),
    onFillStep: (step) => sleep(Math.random() * (step === 'claimed' ? 50 : 200)),
  });
}

const request = () => ({
  entityType: traffic.entityType,
  entityIds: traffic.images,
  metrics: METRICS,
  timeframes: ['day', 'all'] as const,
});
const hashKeys = () => traffic.images.map((id) => defaultCacheKeys.key(traffic.entityType, id));

async function fillLoop(until: number, reads: ReadStats[]): Promise<void> {
  const r = reader(reads);
  while (Date.now() < until) {
    const evict = hashKeys().filter(() => Math.random() < 0.4);
    if (evict.length) await stack.redis.del(...evict);
    await r.getMetrics(request());
    await sleep(Math.random() * 30);
  }
}

/** Every image's cached all-time values. */
async function cachedAll(): Promise<Record<number, Record<string, number>>> {
  const out: Record<number, Record<string, number>> = {};
  for (const id of traffic.images) {
    const values = await stack.redis.hmget(defaultCacheKeys.key(traffic.entityType, id), ...METRICS);
    out[id] = Object.fromEntries(METRICS.map((m, i) => [m, Number(values[i])]));
  }
  return out;
}

describe('fills while Redis is ahead of ClickHouse (long flush interval)', () => {
  it('keeps every cached value exact before and after ClickHouse catches up', async () => {
    const reads: ReadStats[] = [];
    await reader(reads).getMetrics(request());
    const until = Date.now() + STREAM_MS;
    const midFlush = sleep(STREAM_MS / 2).then(() => pipeline.ingest.flush());
    const [changes] = await Promise.all([
      traffic.stream(() => Date.now() < until + 500),
      fillLoop(until, reads),
      fillLoop(until, reads),
      midFlush,
    ]);
    expect(changes).toBeGreaterThan(30); // few under heavy load; the checks below prove the race happened
    expect(pipeline.stats.flushes).toBe(1);

    // The stream has stopped; wait until Redis applied every change (hits only, ClickHouse is behind), then
    // refill every hash while ClickHouse still misses the second half of the stream.
    const expected = await traffic.postgresTruth();
    await waitFor(cachedAll, (c) => JSON.stringify(c) === JSON.stringify(expected), 30_000);
    const behind = await traffic.clickhouseTotals(stack.clickhouse);
    expect(behind, 'ClickHouse misses events Redis has').not.toEqual(expected);
    await stack.redis.del(...hashKeys());
    await reader(reads).getMetrics(request());
    const fills = reads.reduce((n, r) => n + r.filled, 0);
    const replayed = reads.reduce((n, r) => n + r.buffered, 0);
    console.log(
      `${changes} changes, ${reads.length} reads, ${fills} hashes filled, ${replayed} recent events replayed by fills`,
    );
    expect(fills).toBeGreaterThan(20);
    expect(replayed).toBeGreaterThan(0);
    expect(await cachedAll(), 'refilled while ClickHouse is behind').toEqual(expected);

    // ClickHouse catches up: every cached field equals ClickHouse (windows from `~at`) and Postgres.
    await pipeline.ingest.flush();
    await settle(traffic, stack.clickhouse, stack.redis, cacheWatermarkKey(scope));
    await expectCachedExact(traffic, stack.clickhouse, stack.redis, expected);
    // Nothing is left in the recent lists once ClickHouse holds every event.
    expect(await stack.redis.exists(...hashKeys().map((k) => `${k}:recent`))).toBe(0);
    await stack.redis.del(...hashKeys());
    await reader(reads).getMetrics(request());
    await expectCachedExact(traffic, stack.clickhouse, stack.redis, expected);
  });
});
