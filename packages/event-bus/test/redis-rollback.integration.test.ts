import { silentLogger } from '@engagement/plugin-api';
import { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPipeline } from '../src/kafka/create-pipeline.js';
import { metricGroupOf } from '../src/kafka/metric-group.js';
import type { CacheRollback } from '../src/kafka/metric-topic-positions.js';
import { createMetricReader } from '../src/reader/index.js';
import { cacheWatermarkKey, defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { MetricCacheSink } from '../src/sinks/redis/metric-cache-sink.js';
import { connectStack, type StackConnections, waitFor } from './integration-env.js';
import { PrivateRedis } from './private-redis.js';
import { startReactionPipeline } from './reaction-stack.js';
import {
  expectCachedExact,
  METRICS,
  type ReactionTraffic,
  reactionTraffic,
  settle,
} from './reaction-traffic.js';

// A Redis power loss: reactions stream through Postgres, Debezium, Kafka and the real pipeline into ClickHouse
// and into hashes cached through the reader; Redis is SIGKILLed and its append-only file cut back to where it
// ended about a second earlier (what `appendfsync everysec` can lose), then it starts again on the same port.
// The metric-topic offsets of the lost increments were committed to Kafka meanwhile; the pipeline must find
// that out from the position Redis stored with its increments, read the metric topic again from there, and
// end with every cached field exact. First while the host runs and traffic goes on (the next apply notices),
// then with the host restarting on the cut Redis and no new traffic (the check at assignment notices).

let stack: StackConnections;
let redisServer: PrivateRedis;
let redis: Redis;
let admin: Admin;
let pipeline: EventPipeline | undefined;
let traffic: ReactionTraffic;
let metricTopic: string;
let groupId: string;
let scope: string;
let watermarkKey: string;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Starts a pipeline of the test's group; `rollbacks` receives what its `sink.redis.rollback` lines carry. */
async function startPipeline(rollbacks: CacheRollback[]): Promise<EventPipeline> {
  const logger = {
    ...silentLogger,
    warn(obj: object | string, msg?: string) {
      if (msg === 'sink.redis.rollback') rollbacks.push(obj as CacheRollback);
    },
  };
  // The same group and metric topic on every start: a restart resumes where the last one committed.
  return startReactionPipeline(stack, traffic, 'rollback', {
    groupId,
    metricTopic,
    redis,
    cacheScope: scope,
    flushIntervalMs: 150,
    // Only the apply and the check at assignment may notice here; the timer is covered by the unit tests.
    positionCheckMs: 600_000,
    logger: { ...logger, child: () => logger },
  });
}

beforeAll(async () => {
  stack = await connectStack();
  redisServer = await PrivateRedis.start();
  redis = new Redis(redisServer.url);
  // Refused while Redis is down: the sink guard retries, the test needs no log of it.
  redis.on('error', () => undefined);
  admin = stack.kafka.admin();
  await admin.connect();
  traffic = await reactionTraffic(stack, 'rollback', { images: 12, fans: 15 });
  scope = stack.unique('rollback');
  watermarkKey = cacheWatermarkKey(scope);
  metricTopic = stack.unique('rollback.metrics');
  groupId = stack.unique('rollback');
});

afterAll(async () => {
  await pipeline?.close();
  redis?.disconnect();
  await admin?.disconnect();
  await redisServer?.stop();
  await stack?.close();
});

/** The metric topic's committed offsets (in the metric group), per partition. */
async function committed(): Promise<Record<number, number>> {
  const [t] = await admin.fetchOffsets({ groupId: metricGroupOf(groupId), topics: [metricTopic] });
  return Object.fromEntries((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
}

/** Every metric field of the run's cached hashes, and the metric-topic positions, as a Redis holds them. */
async function cacheState(client: Redis) {
  const fields: Record<string, number> = {};
  for (const id of traffic.images) {
    const hash = await client.hgetall(defaultCacheKeys.key(traffic.entityType, id));
    for (const [f, v] of Object.entries(hash)) if (!f.startsWith('~')) fields[`${id}.${f}`] = Number(v);
  }
  const positions = await new MetricCacheSink(client, { watermarkKey, signalChannel: null }).positions(
    metricTopic,
    [0, 1, 2],
  );
  return { fields, positions: positions.map((p) => (p === undefined ? null : Number(p))) };
}

/**
 * Marks where the append-only file ends, runs `meanwhile` (which must get increments applied and their
 * metric offsets committed), SIGKILLs Redis and cuts the file back to the mark. Returns what the cut took:
 * cached fields it rolled back, and metric records Kafka had committed that Redis's position no longer covers.
 */
async function powerLoss(meanwhile: () => Promise<void>) {
  const mark = redisServer.aofMark();
  const committedAtMark = await committed();
  await meanwhile();
  const committedAtKill = await waitFor(committed, (c) =>
    Object.entries(c).some(([p, o]) => o > (committedAtMark[Number(p)] ?? -1)),
  );
  await redisServer.kill();
  const aofBytesCut = redisServer.aofMark().bytes - mark.bytes;
  const atKill = await redisServer.inspect(cacheState);
  redisServer.cutAof(mark);
  const afterCut = await redisServer.inspect(cacheState);
  const fieldsRolledBack = Object.keys(atKill.fields).filter((f) => atKill.fields[f] !== afterCut.fields[f]);
  const recordsLost = afterCut.positions.map((p, i) =>
    p === null ? 0 : Math.max(0, (committedAtKill[i] ?? 0) - p),
  );
  return {
    aofBytesCut,
    metricOffsetsCommittedAtKill: committedAtKill,
    positionsAtKill: atKill.positions,
    positionsAfterCut: afterCut.positions,
    committedRecordsLost: recordsLost.reduce((a, b) => a + b, 0),
    fieldsRolledBack: fieldsRolledBack.length,
    sample: fieldsRolledBack.slice(0, 4).map((f) => `${f}: ${atKill.fields[f]} → ${afterCut.fields[f]}`),
  };
}

/** The cut really took increments whose offsets Kafka had committed; the test proves nothing otherwise. */
function expectIncrementsLost(cut: Awaited<ReturnType<typeof powerLoss>>): void {
  expect(cut.fieldsRolledBack, 'cached fields the cut rolled back').toBeGreaterThan(0);
  expect(cut.committedRecordsLost, 'committed metric records the cut lost').toBeGreaterThan(0);
}

describe('a Redis power loss', () => {
  it('while the host runs and traffic goes on: the next apply notices, the lost increments apply once', {
    timeout: 180_000,
  }, async () => {
    const rollbacks: CacheRollback[] = [];
    pipeline = await startPipeline(rollbacks);
    const running = pipeline;
    let streaming = true;
    const stream = traffic.stream(() => streaming);
    // Warm up, then cache every image through the reader and let increments land on the hashes.
    await sleep(2_000);
    const reader = createMetricReader({ redis, clickhouse: stack.clickhouse });
    await reader.getMetrics({
      entityType: traffic.entityType,
      entityIds: traffic.images,
      metrics: METRICS,
      timeframes: ['day', 'all'],
    });
    const updated = () => running.stats.cacheKeysUpdated;
    await waitFor(
      async () => updated(),
      (n) => n > 0,
      30_000,
    );
    // About a second of traffic is applied after the mark, its metric offsets committed.
    const cut = await powerLoss(async () => {
      const before = updated();
      await sleep(1_000);
      await waitFor(
        async () => updated(),
        (n) => n > before,
        30_000,
      );
    });
    await redisServer.restart();
    // Traffic goes on for a while, then everything settles.
    await sleep(3_000);
    streaming = false;
    const changes = await stream;
    const expected = await settle(traffic, stack.clickhouse, redis, watermarkKey);
    const { positions } = await cacheState(redis);
    console.log(
      'redis rollback while running',
      JSON.stringify({ changes, ...cut, finalPositions: positions, rollbacks, stats: running.stats }),
    );

    await expectCachedExact(traffic, stack.clickhouse, redis, expected);
    expectIncrementsLost(cut);
    expect(running.stats.cacheRollbacks).toBeGreaterThan(0);
    expect(rollbacks.length).toBe(running.stats.cacheRollbacks);
  });

  it('with the host restarting on the cut Redis and no new traffic: the check at assignment notices', {
    timeout: 180_000,
  }, async () => {
    // Traffic for about a second after the mark, everything applied and committed, the host stopped; then
    // the machine loses power: Redis comes back without the last second, the host starts again, and no
    // event arrives that could reveal the loss through an apply.
    const cut = await powerLoss(async () => {
      let streaming = true;
      const stream = traffic.stream(() => streaming);
      await sleep(1_000);
      streaming = false;
      await stream;
      await settle(traffic, stack.clickhouse, redis, watermarkKey);
      await pipeline!.close();
      pipeline = undefined;
    });
    await redisServer.restart();
    const rollbacks: CacheRollback[] = [];
    pipeline = await startPipeline(rollbacks);
    const expected = await settle(traffic, stack.clickhouse, redis, watermarkKey);
    const { positions } = await cacheState(redis);
    console.log(
      'redis rollback before a restart',
      JSON.stringify({ ...cut, finalPositions: positions, rollbacks, stats: pipeline.stats }),
    );

    await expectCachedExact(traffic, stack.clickhouse, redis, expected);
    expectIncrementsLost(cut);
    expect(rollbacks.map((r) => r.detectedBy)).toContain('check');
    expect(pipeline.stats.cacheRollbacks).toBeGreaterThan(0);
  });
});
