import type { EntityMetricEvent } from '@engagement/plugin-api';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SinkError } from '../src/errors.js';
import { StoredRows } from '../src/metrics/stored-rows.js';
import { createCacheKeys, defaultCacheKeys, shardWatermarkKey } from '../src/sinks/redis/cache-keys.js';
import { cacheLayoutKey } from '../src/sinks/redis/cache-layout.js';
import { recentKey, storedField } from '../src/sinks/redis/hash-layout.js';
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
    await stack.redis.hset(defaultCacheKeys.key('Image', image), { likeCount: 10 });

    await sink.apply([1, 2].map((seq) => event(origin, seq, image)));
    // A publisher crashed and replayed 1..3 after 3 had been sent once: 2, 3, 1, 2, 3, 4 in one batch.
    const result = await sink.apply([2, 3, 1, 2, 3, 4].map((seq) => event(origin, seq, image)));

    expect(result).toMatchObject({ applied: 2, skipped: 4 });
    expect(await stack.redis.hget(defaultCacheKeys.key('Image', image), 'likeCount')).toBe('14');
    expect(await sink.watermark(origin)).toBe(4);
  });

  it('increments only hashes and fields that exist', async () => {
    const origin = stack.unique('topic:1');
    const sink = new MetricCacheSink(stack.redis, { watermarkKey: stack.unique('wm2'), signalChannel: null });
    const cached = 710_000_000 + Math.floor(Math.random() * 1_000_000);
    const uncached = cached + 1;
    await stack.redis.hset(defaultCacheKeys.key('Image', cached), { heartCount: 3 });
    await sink.apply([event(origin, 1, cached, 5), event(origin, 2, uncached, 5)]);
    expect(await stack.redis.hgetall(defaultCacheKeys.key('Image', cached))).toEqual({ heartCount: '3' });
    expect(await stack.redis.exists(defaultCacheKeys.key('Image', uncached))).toBe(0);
  });

  it('increments windowed fields only for events inside their window, and skips what the fill counted', async () => {
    const origin = stack.unique('topic:2');
    const sink = new MetricCacheSink(stack.redis, { watermarkKey: stack.unique('wm3'), signalChannel: null });
    const image = 720_000_000 + Math.floor(Math.random() * 1_000_000);
    const at = Date.now();
    // As a fill leaves it: filled at `at`, having counted this origin up to position 5.
    await stack.redis.hset(defaultCacheKeys.key('Image', image), {
      likeCount: 10,
      'likeCount:day': 2,
      'likeCount:week': 4,
      '~at': at,
      [`~hw:${origin}`]: 5,
    });
    const at10DaysAgo = { ...event(origin, 6, image), createdAt: new Date(at - 10 * 86_400_000) };
    const at3DaysAgo = { ...event(origin, 7, image, -1), createdAt: new Date(at - 3 * 86_400_000) };
    const now = { ...event(origin, 8, image), createdAt: new Date(at + 1000) };
    await sink.apply([event(origin, 4, image), event(origin, 5, image), at10DaysAgo, at3DaysAgo, now]);
    expect(
      await stack.redis.hmget(
        defaultCacheKeys.key('Image', image),
        'likeCount',
        'likeCount:day',
        'likeCount:week',
      ),
    ).toEqual(['11', '3', '4']);
  });

  it("counts an origin's first position with no fill mark, an event at a window's start, and a batch netting below zero", async () => {
    const origin = stack.unique('topic:5');
    const fresh = stack.unique('topic:6');
    const sink = new MetricCacheSink(stack.redis, { watermarkKey: stack.unique('wm6'), signalChannel: null });
    const image = 750_000_000 + Math.floor(Math.random() * 1_000_000);
    const at = Date.now();
    // Filled at `at`, having counted `origin` up to position 5 and nothing of `fresh`.
    await stack.redis.hset(defaultCacheKeys.key('Image', image), {
      likeCount: 10,
      'likeCount:day': 2,
      '~at': at,
      [`~hw:${origin}`]: 5,
    });
    // A partition's first offset is position 0: no mark means nothing of it was counted, not position 0.
    const first = { ...event(fresh, 0, image), createdAt: new Date(at - 86_400_000) }; // right at the day's start
    const takenBack = [6, 7].map((seq) => ({
      ...event(origin, seq, image, -1),
      createdAt: new Date(at - 3 * 86_400_000),
    }));
    await sink.apply([first, ...takenBack]);
    expect(
      await stack.redis.hmget(defaultCacheKeys.key('Image', image), 'likeCount', 'likeCount:day'),
    ).toEqual(['9', '3']);
  });

  it('trims from a recent list the entries up to the position ClickHouse holds, and no further', async () => {
    const origin = stack.unique('topic:7');
    const watermarkKey = stack.unique('wm7');
    const sink = new MetricCacheSink(stack.redis, { watermarkKey, signalChannel: null });
    const image = 760_000_000 + Math.floor(Math.random() * 1_000_000);
    const events = [3, 4, 5].map((seq) => event(origin, seq, image));
    await sink.apply(events);
    await sink.stored(StoredRows.of(events.slice(0, 2))); // an insert of positions 3 and 4
    // Position 5 is not in ClickHouse: a fill's query cannot count it, so only its entry can.
    const left = await stack.redis.lrange(recentKey(defaultCacheKeys.key('Image', image)), 0, -1);
    expect(left.map((entry) => Number(entry.split('\t')[1]))).toEqual([5]);
    // A replayed insert of older positions (a partition's next owner) does not move the recorded position back.
    await sink.stored(StoredRows.of(events.slice(0, 1)));
    const shard = shardWatermarkKey(watermarkKey, defaultCacheKeys.shardOf('Image', image));
    expect(await stack.redis.hget(shard, storedField(origin))).toBe('4');
  });

  it('increments a hash cached between its state read and its script, and logs every event', async () => {
    const redis = new Redis(stack.env.REDIS_URL!);
    try {
      const origin = stack.unique('topic:3');
      const sink = new MetricCacheSink(redis, { watermarkKey: stack.unique('wm4'), signalChannel: null });
      const image = 730_000_000 + Math.floor(Math.random() * 1_000_000);
      // Between the sink's state read and its script, a fill commits the hash.
      const commands = redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const original = commands.eventBusApplyEvents!.bind(redis);
      let calls = 0;
      commands.eventBusApplyEvents = async (...args: unknown[]) => {
        if (calls++ === 0) await stack.redis.hset(defaultCacheKeys.key('Image', image), { likeCount: 10 });
        return original(...args);
      };
      const result = await sink.apply([event(origin, 1, image)]);
      // Every entity's events go to the script (each is logged in its recent list), so nothing is retried.
      expect(calls).toBe(1);
      expect(result.updatedKeys).toEqual([defaultCacheKeys.key('Image', image)]);
      expect(await stack.redis.hget(defaultCacheKeys.key('Image', image), 'likeCount')).toBe('11');
      expect(await stack.redis.llen(`${defaultCacheKeys.key('Image', image)}:recent`)).toBe(1);
    } finally {
      redis.disconnect();
    }
  });

  it('reads the watermarks once, then applies each following batch of the same origins in one call', async () => {
    const redis = new Redis(stack.env.REDIS_URL!);
    try {
      const origin = stack.unique('topic:4');
      const sink = new MetricCacheSink(redis, { watermarkKey: stack.unique('wm5'), signalChannel: null });
      const image = 740_000_000 + Math.floor(Math.random() * 1_000_000);
      await stack.redis.hset(defaultCacheKeys.key('Image', image), { likeCount: 10 });
      const reads: unknown[] = [];
      const hmget = redis.hmget.bind(redis);
      redis.hmget = ((...args: Parameters<typeof hmget>) => {
        reads.push(args[0]);
        return hmget(...args);
      }) as typeof redis.hmget;
      await sink.apply([1, 2].map((seq) => event(origin, seq, image)));
      await sink.apply([3, 4].map((seq) => event(origin, seq, image)));
      await sink.apply([4, 5].map((seq) => event(origin, seq, image)));
      expect(reads).toHaveLength(1);
      expect(await stack.redis.hget(defaultCacheKeys.key('Image', image), 'likeCount')).toBe('15');
      // Another writer advanced the origin: the remembered value is refused, read again, and the batch applied.
      await new MetricCacheSink(stack.redis, {
        watermarkKey: stack.unique('wm5'),
        signalChannel: null,
      }).apply([event(origin, 6, image)]);
      const result = await sink.apply([6, 7].map((seq) => event(origin, seq, image)));
      expect(result).toMatchObject({ applied: 1, skipped: 1 });
      expect(reads).toHaveLength(2);
      expect(await stack.redis.hget(defaultCacheKeys.key('Image', image), 'likeCount')).toBe('17');
    } finally {
      redis.disconnect();
    }
  });

  for (const withPosition of [false, true]) {
    it(`applies a batch again after Redis lost what it applied, though the sink remembers it applied (${withPosition ? 'with' : 'without'} a metric-topic position)`, async () => {
      // Names per variant (`unique` is per run): the two must not share an origin's watermarks.
      const variant = withPosition ? 'with' : 'without';
      const origin = stack.unique(`topic:5-${variant}`);
      const watermarkKey = stack.unique(`wm6-${variant}`);
      const sink = new MetricCacheSink(stack.redis, { watermarkKey, signalChannel: null });
      const image = 750_000_000 + Math.floor(Math.random() * 1_000_000);
      const key = defaultCacheKeys.key('Image', image);
      const position = withPosition
        ? { topic: stack.unique('metrics'), partition: 0, expected: '0', next: '1' }
        : undefined;
      await stack.redis.hset(key, { likeCount: 10 });
      const batch = [1, 2, 3].map((seq) => event(origin, seq, image));
      await sink.apply(batch, position);
      expect(await stack.redis.hget(key, 'likeCount')).toBe('13');
      // Redis comes back without anything since the hash was cached (no watermarks, no position, no log), and
      // the metric topic is read again from where Kafka says: the same batch arrives once more.
      await stack.redis.del(shardWatermarkKey(watermarkKey, defaultCacheKeys.shardOf('Image', image)));
      await stack.redis.del(`${key}:recent`);
      await stack.redis.hset(key, { likeCount: 10 });
      const result = await sink.apply(batch, position);
      expect(result).toMatchObject({ applied: 3, skipped: 0 });
      expect(await stack.redis.hget(key, 'likeCount')).toBe('13');
      expect(await sink.watermark(origin)).toBe(3);
    });
  }

  it('publishes a change signal per updated hash from the script, with the deltas of the batch per field', async () => {
    const subscriber = new Redis(stack.env.REDIS_URL!);
    try {
      const channel = stack.unique('signals');
      const received: unknown[] = [];
      subscriber.on('message', (_channel, message) => received.push(JSON.parse(message)));
      await subscriber.subscribe(channel);
      const origin = stack.unique('topic:6');
      const sink = new MetricCacheSink(stack.redis, {
        watermarkKey: stack.unique('wm7'),
        signalChannel: channel,
      });
      const cached = 760_000_000 + Math.floor(Math.random() * 1_000_000);
      await stack.redis.hset(defaultCacheKeys.key('Image', cached), { likeCount: 10 });
      const other = { ...event(origin, 3, cached, 1), metricType: 'heartCount' };
      await sink.apply([
        event(origin, 1, cached, 2),
        event(origin, 2, cached + 1, 5),
        other,
        event(origin, 4, cached, -1),
      ]);
      const deadline = Date.now() + 5_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      // Only the cached hash was updated; its signal sums the batch's deltas per field (heartCount is not
      // cached, yet it changed in the source, so it is reported as the batch carried it).
      expect(received).toEqual([
        { key: defaultCacheKeys.key('Image', cached), changes: { likeCount: 1, heartCount: 1 } },
      ]);
    } finally {
      subscriber.disconnect();
    }
  });

  it('writes one shard when told to, and refuses a writer whose shard count differs from the cache', async () => {
    const origin = stack.unique('topic:layout');
    const watermarkKey = stack.unique('wm-layout');
    const one = createCacheKeys(1);
    const image = 790_000_000 + Math.floor(Math.random() * 1_000_000);
    await stack.redis.hset(one.key('Image', image), { likeCount: 10 });
    const single = new MetricCacheSink(stack.redis, { watermarkKey, keys: one, signalChannel: null });
    const result = await single.apply([1, 2, 3].map((seq) => event(origin, seq, image)));
    expect(result).toMatchObject({ applied: 3, updatedKeys: [`metrics:{s0}:Image:${image}`] });
    expect(await stack.redis.hget(one.key('Image', image), 'likeCount')).toBe('13');
    expect(await stack.redis.get(cacheLayoutKey(watermarkKey))).toBe('1');

    // The default (16 shards) on the same cache: nothing written, an error retrying cannot fix.
    const sixteen = new MetricCacheSink(stack.redis, { watermarkKey, signalChannel: null });
    const refused = await sixteen.apply([event(origin, 4, image)]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SinkError);
    expect((refused as SinkError).retriable).toBe(false);
    expect((refused as SinkError).message).toMatch(/written with 1 shards and this writer uses 16/);
    await expect(sixteen.stored(new StoredRows())).rejects.toThrow(/written with 1 shards/);
    expect(await stack.redis.hget(one.key('Image', image), 'likeCount')).toBe('13');

    // Emptied (the cache's keys, its watermarks and the layout), the cache takes the new count.
    const oneKey = one.key('Image', image);
    await stack.redis.del(oneKey, recentKey(oneKey), shardWatermarkKey(watermarkKey, 0));
    await stack.redis.del(cacheLayoutKey(watermarkKey));
    await stack.redis.hset(defaultCacheKeys.key('Image', image), { likeCount: 13 });
    await sixteen.apply([event(origin, 4, image)]);
    expect(await stack.redis.hget(defaultCacheKeys.key('Image', image), 'likeCount')).toBe('14');
    expect(await stack.redis.get(cacheLayoutKey(watermarkKey))).toBe('16');
  });
});
