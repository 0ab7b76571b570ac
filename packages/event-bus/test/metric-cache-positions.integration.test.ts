import type { EntityMetricEvent } from '@engagement/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCacheKeys, shardWatermarkKey } from '../src/sinks/redis/cache-keys.js';
import { nextOffsetField } from '../src/sinks/redis/hash-layout.js';
import { MetricCacheSink } from '../src/sinks/redis/metric-cache-sink.js';
import { connectStack, type StackConnections } from './integration-env.js';

// The metric-topic position the cache sink stores with its increments (the `~next:<topic>:<partition>` field of
// the watermark hash), on the stack's real Redis: what it stores, and the rollback code when Redis holds less.

let stack: StackConnections;
beforeAll(async () => {
  stack = await connectStack();
});
afterAll(async () => {
  await stack?.close();
});

const like = (origin: string, seq: number, entityId: number): EntityMetricEvent => ({
  eventId: `${origin}/${seq}`,
  entityType: 'Image',
  entityId,
  userId: 0,
  metricType: 'likeCount',
  metricValue: 1,
  createdAt: new Date(0),
  origin,
  originSeq: seq,
});

/** A sink on a fresh watermark hash, a cached image and a metric topic of its own. */
async function setUp(name: string) {
  const watermarkKey = stack.unique(`wm-${name}`);
  const sink = new MetricCacheSink(stack.redis, { watermarkKey, signalChannel: null });
  const image = 740_000_000 + Math.floor(Math.random() * 1_000_000);
  const key = defaultCacheKeys.key('Image', image);
  await stack.redis.hset(key, { likeCount: 10 });
  const topic = stack.unique(`metrics-${name}`);
  const origin = stack.unique(`${name}.src:0`);
  const at = (expected: number, next: number) => ({
    topic,
    partition: 0,
    expected: String(expected),
    next: String(next),
  });
  const state = async () => ({
    likes: await stack.redis.hget(key, 'likeCount'),
    watermark: await sink.watermark(origin),
    position: (await sink.positions(topic, [0]))[0],
  });
  return { sink, watermarkKey, key, topic, origin, image, at, state };
}

describe('MetricCacheSink positions on the real Redis', () => {
  it('stores the next offset with the increments, also when every event is skipped or none is valid', async () => {
    const { sink, origin, image, at, state, topic } = await setUp('store');
    expect(await sink.positions(topic, [0, 1])).toEqual([undefined, undefined]);

    // A first start: nothing stored yet, so any batch passes.
    await sink.apply([like(origin, 1, image), like(origin, 2, image)], at(100, 102));
    expect(await state()).toEqual({ likes: '12', watermark: 2, position: '102' });
    // Replays only: nothing applied, the position still moves on.
    const replay = await sink.apply([like(origin, 1, image), like(origin, 2, image)], at(102, 104));
    expect(replay).toMatchObject({ applied: 0, skipped: 2 });
    expect(await state()).toEqual({ likes: '12', watermark: 2, position: '104' });
    // A batch whose records were all invalid (no events).
    await sink.apply([], at(104, 105));
    expect(await state()).toEqual({ likes: '12', watermark: 2, position: '105' });
    // A batch behind the position (read again after a rebalance) never moves it back.
    await sink.apply([like(origin, 2, image), like(origin, 3, image)], at(103, 105));
    await sink.apply([like(origin, 3, image)], at(101, 102));
    expect(await state()).toEqual({ likes: '13', watermark: 3, position: '105' });
    expect(await sink.positions(topic, [1, 0])).toEqual([undefined, '105']);
  });

  it('refuses a batch that follows more than Redis holds, changing nothing; read again from there, the lost increments apply once', async () => {
    const { sink, watermarkKey, key, origin, image, at, state } = await setUp('rollback');
    await sink.apply([like(origin, 1, image), like(origin, 2, image)], at(0, 2));
    // What an append-only file cut back to this moment would restore: the hash and the watermark hash.
    const hashThen = (await stack.redis.dumpBuffer(key))!;
    const shards = Array.from({ length: defaultCacheKeys.shards }, (_, k) =>
      shardWatermarkKey(watermarkKey, k),
    );
    const watermarksThen = await Promise.all(shards.map(async (k) => (await stack.redis.dumpBuffer(k))!));
    await sink.apply([like(origin, 3, image), like(origin, 4, image)], at(2, 4));
    expect(await state()).toEqual({ likes: '14', watermark: 4, position: '4' });

    // Redis restarts without its last writes; the consumer moves on from offset 4, where Kafka committed.
    await stack.redis.restore(key, 0, hashThen, 'REPLACE');
    for (const [i, k] of shards.entries()) await stack.redis.restore(k, 0, watermarksThen[i]!, 'REPLACE');
    const refused = await sink.apply([like(origin, 5, image), like(origin, 6, image)], at(4, 6));
    expect(refused).toEqual({ applied: 0, skipped: 0, updatedKeys: [], resumeAt: '2' });
    expect(await state()).toEqual({ likes: '12', watermark: 2, position: '2' });

    // The consumer reads again from offset 2: the lost batch applies, then the one that was refused.
    const lost = await sink.apply([like(origin, 3, image), like(origin, 4, image)], at(2, 4));
    const refusedBefore = await sink.apply([like(origin, 5, image), like(origin, 6, image)], at(4, 6));
    expect([lost, refusedBefore]).toEqual([
      { applied: 2, skipped: 0, updatedKeys: [key] },
      { applied: 2, skipped: 0, updatedKeys: [key] },
    ]);
    expect(await state()).toEqual({ likes: '16', watermark: 6, position: '6' });
  });

  it('checks the position before the watermarks: a lost write is reported even for a batch of replays', async () => {
    const { sink, origin, image, at, state, watermarkKey, topic } = await setUp('replays');
    await sink.apply([like(origin, 1, image)], at(0, 1));
    // The image's shard lost the write (its node restarted); the other shards are further and skip the replay.
    const shard = shardWatermarkKey(watermarkKey, defaultCacheKeys.shardOf('Image', image));
    await stack.redis.hset(shard, nextOffsetField(topic, 0), '0');
    const refused = await sink.apply([like(origin, 1, image)], at(1, 2));
    expect(refused.resumeAt).toBe('0');
    expect(await state()).toEqual({ likes: '11', watermark: 1, position: '0' });
  });
});
