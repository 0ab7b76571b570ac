import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPipeline } from '../src/kafka/create-pipeline.js';
import { createMetricReader, type ReadStats } from '../src/reader/index.js';
import type { StackConnections } from './integration-env.js';
import { openReactionStack } from './reaction-stack.js';
import { expectCachedExact, METRICS, type ReactionTraffic, settle } from './reaction-traffic.js';

// Postgres changes stream through Debezium, Kafka and the real pipeline (ClickHouse insert, metric topic,
// Redis increments) while several readers keep evicting and refilling the same hashes, with random pauses
// inside their fills. Afterwards every cached value must equal ClickHouse, and ClickHouse must equal Postgres.

const STREAM_MS = 8_000;

let stack: StackConnections;
let pipeline: EventPipeline;
let scope: string;
let traffic: ReactionTraffic;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

beforeAll(async () => {
  ({ stack, traffic, pipeline, scope } = await openReactionStack(
    'race',
    { images: 12, fans: 15 },
    { flushIntervalMs: 150 },
  ));
});

afterAll(async () => {
  await pipeline?.close();
  await stack?.close();
});

/**
 * Evicts random hashes and reads every image again, until `until`; the last round evicts every hash, so the
 * final value of each one comes from a fill that raced the stream.
 */
async function fillLoop(until: number, reads: ReadStats[]): Promise<void> {
  const reader = createMetricReader({
    redis: stack.redis,
    clickhouse: stack.clickhouse,
    onRead: (s) => reads.push(s),
    // Random pauses after the claim and after the query widen the windows in which increments race the fill:
    // the second is longer than the pipeline's flush interval, so events are stored in ClickHouse and applied
    // to Redis entirely between a fill's query and its commit.
    onFillStep: (step) => sleep(Math.random() * (step === 'claimed' ? 50 : 300)),
  });
  const { entityType, images } = traffic;
  const request = { entityType, entityIds: images, metrics: METRICS, timeframes: ['day', 'all'] as const };
  while (Date.now() < until) {
    const evict = images.filter(() => Math.random() < 0.4).map((id) => `metrics:${entityType}:${id}`);
    if (evict.length) await stack.redis.del(...evict);
    await reader.getMetrics(request);
    await sleep(Math.random() * 30);
  }
  await stack.redis.del(...images.map((id) => `metrics:${entityType}:${id}`));
  await reader.getMetrics(request);
}

describe('fills racing streamed increments on the real stack', () => {
  it('leaves every cached value equal to ClickHouse, and ClickHouse equal to Postgres', async () => {
    const until = Date.now() + STREAM_MS;
    const reads: ReadStats[] = [];
    // The stream outlasts the fills a little, so the last fills race it too and increments follow them.
    const [changes] = await Promise.all([
      traffic.stream(() => Date.now() < until + 1_000),
      fillLoop(until, reads),
      fillLoop(until, reads),
      fillLoop(until, reads),
    ]);

    // Settle: ClickHouse holds every change, then Redis has applied every stored event of these images.
    const expected = await settle(
      traffic,
      stack.clickhouse,
      stack.redis,
      `eventbus:cache:watermarks:${scope}`,
    );

    const fills = reads.reduce((n, r) => n + r.filled, 0);
    const buffered = reads.reduce((n, r) => n + r.buffered, 0);
    console.log(
      `${changes} changes, ${reads.length} reads, ${fills} hashes filled, ${buffered} recent events replayed by fills`,
    );
    expect(changes).toBeGreaterThan(300);
    expect(fills).toBeGreaterThan(100);
    // The race must actually have happened for this test to prove anything.
    expect(buffered).toBeGreaterThan(0);

    await expectCachedExact(traffic, stack.clickhouse, stack.redis, expected);
  });
});
