import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPipeline } from '../src/kafka/create-pipeline.js';
import { createMetricReader, type ReadStats } from '../src/reader/index.js';
import { cacheWatermarkKey, defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import type { RedisClient } from '../src/sinks/redis/redis-client.js';
import { REDIS_KINDS, type RedisKind, type StackConnections } from './integration-env.js';
import { openReactionStack } from './reaction-stack.js';
import { expectCachedExact, METRICS, type ReactionTraffic, settle } from './reaction-traffic.js';

// Postgres changes stream through Debezium, Kafka and the real pipeline (ClickHouse insert, metric topic,
// Redis increments) while several readers keep evicting and refilling the same hashes, with random pauses
// inside their fills. Afterwards every cached value must equal ClickHouse, and ClickHouse must equal Postgres.

/** The race runs at least this long, and on until the fills reached MIN_FILLS, but no longer than MAX_MS. */
const STREAM_MS = 8_000;
const MIN_FILLS = 150;
const MAX_MS = 40_000;

let stack: StackConnections;
let pipeline: EventPipeline;
let scope: string;
let traffic: ReactionTraffic;
let redis: RedisClient;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function start(kind: RedisKind): Promise<void> {
  ({ stack, redis, traffic, pipeline, scope } = await openReactionStack(
    'race',
    { images: 12, fans: 15 },
    { flushIntervalMs: 150 },
    kind,
  ));
}

async function stop(): Promise<void> {
  await pipeline?.close();
  if (redis !== stack?.redis) redis?.disconnect();
  await stack?.close();
}

/**
 * Evicts random hashes and reads every image again, while `racing()`; the last round evicts every hash, so
 * the final value of each one comes from a fill that raced the stream.
 */
async function fillLoop(racing: () => boolean, reads: ReadStats[]): Promise<void> {
  const reader = createMetricReader({
    redis,
    clickhouse: stack.clickhouse,
    onRead: (s) => reads.push(s),
    // Random pauses after the claim and after the query widen the windows in which increments race the fill:
    // the second is longer than the pipeline's flush interval, so events are stored in ClickHouse and applied
    // to Redis entirely between a fill's query and its commit.
    onFillStep: (step) => sleep(Math.random() * (step === 'claimed' ? 50 : 300)),
  });
  const { entityType, images } = traffic;
  const request = { entityType, entityIds: images, metrics: METRICS, timeframes: ['day', 'all'] as const };
  while (racing()) {
    const evict = images.filter(() => Math.random() < 0.4).map((id) => defaultCacheKeys.key(entityType, id));
    // One DEL per key: on a Cluster a multi-key DEL must stay in one slot.
    await Promise.all(evict.map((key) => redis.del(key)));
    await reader.getMetrics(request);
    await sleep(Math.random() * 30);
  }
  await Promise.all(images.map((id) => redis.del(defaultCacheKeys.key(entityType, id))));
  await reader.getMetrics(request);
}

// The same race on the stack's single Redis and on its three-master Redis Cluster.
describe.each(REDIS_KINDS)('fills racing streamed increments on the real stack (%s Redis)', (kind) => {
  beforeAll(() => start(kind));
  afterAll(stop);

  it('leaves every cached value equal to ClickHouse, and ClickHouse equal to Postgres', async () => {
    const reads: ReadStats[] = [];
    const filled = () => reads.reduce((n, r) => n + r.filled, 0);
    // A volume of fills, not a duration: how many fills fit in a fixed time depends on the machine's load.
    const started = Date.now();
    let stoppedAt: number | undefined;
    const racing = () => {
      if (stoppedAt !== undefined) return false;
      const ms = Date.now() - started;
      if ((ms >= STREAM_MS && filled() >= MIN_FILLS) || ms >= MAX_MS) stoppedAt = Date.now();
      return stoppedAt === undefined;
    };
    // The stream outlasts the fills a little, so the last fills race it too and increments follow them.
    const [changes] = await Promise.all([
      traffic.stream(() => stoppedAt === undefined || Date.now() < stoppedAt + 1_000),
      fillLoop(racing, reads),
      fillLoop(racing, reads),
      fillLoop(racing, reads),
    ]);
    const racedMs = (stoppedAt ?? Date.now()) - started;

    // Settle: ClickHouse holds every change, then Redis has applied every stored event of these images.
    const expected = await settle(traffic, stack.clickhouse, redis, cacheWatermarkKey(scope));

    const fills = filled();
    const buffered = reads.reduce((n, r) => n + r.buffered, 0);
    console.log(
      `${kind}: ${changes} changes, ${reads.length} reads, ${fills} hashes filled in ${racedMs} ms ` +
        `(${((fills * 1000) / racedMs).toFixed(1)}/s), ${buffered} recent events replayed by fills`,
    );
    expect(changes).toBeGreaterThan(300);
    expect(fills).toBeGreaterThan(100);
    // The race must actually have happened for this test to prove anything.
    expect(buffered).toBeGreaterThan(0);

    await expectCachedExact(traffic, stack.clickhouse, redis, expected);
  });
});
