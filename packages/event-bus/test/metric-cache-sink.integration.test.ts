import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityMetricEvent } from '../src/metrics/entity-metric-event.js';
import { MetricCacheSink } from '../src/sinks/redis/metric-cache-sink.js';
import { connectStack, type StackConnections } from './integration-env.js';

let stack: StackConnections;
beforeAll(async () => {
  stack = await connectStack();
});
afterAll(async () => {
  await stack?.close();
});

const event = (origin: string, seq: number, entityId: number, metricValue = 1): EntityMetricEvent => ({
  eventId: `${origin}/${seq}`,
  entityType: 'Image',
  entityId,
  userId: 0,
  metricType: 'likeCount',
  metricValue,
  createdAt: new Date(0),
  origin,
  originSeq: seq,
});

describe('MetricCacheSink on the real Redis', () => {
  it('applies each origin position once, also when a replayed run shares a batch with its first copy', async () => {
    const origin = stack.unique('topic:0');
    const sink = new MetricCacheSink(stack.redis, { watermarkKey: stack.unique('wm'), signalChannel: null });
    const image = 700_000_000 + Math.floor(Math.random() * 1_000_000);
    await stack.redis.hset(`metrics:Image:${image}`, { likeCount: 10 });

    await sink.apply([1, 2].map((seq) => event(origin, seq, image)));
    // A publisher crashed and replayed 1..3 after 3 had been sent once: 2, 3, 1, 2, 3, 4 in one batch.
    const result = await sink.apply([2, 3, 1, 2, 3, 4].map((seq) => event(origin, seq, image)));

    expect(result).toMatchObject({ applied: 2, skipped: 4 });
    expect(await stack.redis.hget(`metrics:Image:${image}`, 'likeCount')).toBe('14');
    expect(await sink.watermark(origin)).toBe(4);
  });

  it('increments only hashes and fields that exist', async () => {
    const origin = stack.unique('topic:1');
    const sink = new MetricCacheSink(stack.redis, { watermarkKey: stack.unique('wm2'), signalChannel: null });
    const cached = 710_000_000 + Math.floor(Math.random() * 1_000_000);
    const uncached = cached + 1;
    await stack.redis.hset(`metrics:Image:${cached}`, { heartCount: 3 });
    await sink.apply([event(origin, 1, cached, 5), event(origin, 2, uncached, 5)]);
    expect(await stack.redis.hgetall(`metrics:Image:${cached}`)).toEqual({ heartCount: '3' });
    expect(await stack.redis.exists(`metrics:Image:${uncached}`)).toBe(0);
  });
});
