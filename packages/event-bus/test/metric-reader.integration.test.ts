import { expect, it } from 'vitest';
import { createMetricReader, type ReadStats } from '../src/reader/index.js';
import { createCacheKeys, defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { MetricCacheSink } from '../src/sinks/redis/metric-cache-sink.js';
import { describeReaderOnStack } from './reader-on-stack.js';

// Reader, cache sink and fills on the real Redis and a private chDB. Events are written to ClickHouse and
// applied to Redis by the test itself, so each interleaving with a fill is placed exactly where intended.

const DAY = 86_400_000;

// Every interleaving runs on the stack's single Redis and on its Redis Cluster (same keys, one slot per shard).
describeReaderOnStack('metric reader on the real stack', (w) => {
  it('fills misses from one query, serves hits from Redis, computes rating from sum and count', async () => {
    const { stack, store, redis, entityType, event } = w;
    const now = Date.now();
    const o = stack.unique('src:0');
    await store.insert([
      event(1, 'downloadCount', 3, new Date(now - 1000), o),
      event(1, 'downloadCount', 2, new Date(now - 3 * DAY), o),
      event(1, 'ratingSum', 9, new Date(now - 2 * DAY), o),
      event(1, 'ratingCount', 2, new Date(now - 2 * DAY), o),
      event(2, 'ratingSum', 4, new Date(now - 1000), o),
      event(2, 'ratingCount', 1, new Date(now - 1000), o),
    ]);
    const reads: ReadStats[] = [];
    const reader = createMetricReader({
      redis: redis,
      clickhouse: stack.clickhouse,
      onRead: (s) => reads.push(s),
    });
    const request = {
      entityType,
      entityIds: [1, 2, 3],
      metrics: ['downloadCount', 'rating'] as const,
      timeframes: ['day', 'all'] as const,
    };
    const first = await reader.getMetrics(request);
    const second = await reader.getMetrics(request);

    const expected = new Map([
      [1, { downloadCount: { day: 3, all: 5 }, rating: { day: 0, all: 4.5 } }],
      [2, { downloadCount: { day: 0, all: 0 }, rating: { day: 4, all: 4 } }],
      [3, { downloadCount: { day: 0, all: 0 }, rating: { day: 0, all: 0 } }],
    ]);
    expect(first).toEqual(expected);
    expect(second).toEqual(expected);
    expect(reads.map(({ hits, misses, filled }) => ({ hits, misses, filled }))).toEqual([
      { hits: 0, misses: 3, filled: 3 },
      { hits: 3, misses: 0, filled: 0 },
    ]);
    const hash = await redis.hgetall(defaultCacheKeys.key(entityType, 1));
    expect(hash).toMatchObject({
      downloadCount: '5',
      'downloadCount:day': '3',
      ratingSum: '9',
      ratingCount: '2',
    });
    expect(await redis.ttl(defaultCacheKeys.key(entityType, 1))).toBeGreaterThan(3000);

    // Asking for another metric refills the hash with it and keeps the fields it had.
    await reader.getMetrics({ entityType, entityIds: [1], metrics: ['ratingSum'], timeframes: ['all'] });
    await reader.getMetrics({ entityType, entityIds: [1], metrics: ['commentCount'], timeframes: ['all'] });
    expect(reads.at(-2)).toMatchObject({ hits: 1, misses: 0 });
    expect(reads.at(-1)).toMatchObject({ hits: 0, misses: 1, filled: 1 });
    expect(await redis.hgetall(defaultCacheKeys.key(entityType, 1))).toMatchObject({
      downloadCount: '5',
      'downloadCount:day': '3',
      commentCount: '0',
    });
  });

  it('counts an increment that races a fill exactly once, wherever it lands', async () => {
    const { stack, store, redis, entityType, likesOf, truth } = w;
    const id = 10;
    const now = Date.now();
    const { sink, like } = likesOf(id, 'race', now);

    // before: stored and applied before the fill begins (the hash is missing, so only the fill counts it).
    const before = like('before');
    // claimed: stored before the fill, applied after its claim and before its query (buffered, then skipped).
    const claimed = like('claimed');
    // lateApply: stored before the fill, applied only after the commit (the high water says it was counted).
    const lateApply = like('late-apply');
    // during: stored and applied between the query and the commit (buffered, replayed by the commit).
    const during = like('during');
    // old: like `during`, but created two days ago: it counts in 'all' only.
    const old = like('old', new Date(now - 2 * DAY));
    // after: stored and applied after the commit (an ordinary increment).
    const after = like('after');

    await store.insert([before, claimed, lateApply]);
    await sink.apply([before]);
    const reader = createMetricReader({
      redis: redis,
      clickhouse: stack.clickhouse,
      now: () => now,
      async onFillStep(step) {
        if (step === 'claimed') await sink.apply([claimed]);
        if (step === 'queried') {
          await store.insert([during, old]);
          await sink.apply([during, old]);
        }
      },
    });
    const filled = await reader.getMetrics({
      entityType,
      entityIds: [id],
      metrics: ['likeCount'],
      timeframes: ['day', 'all'],
    });
    // The fill answers with what ClickHouse had at its query.
    expect(filled.get(id)).toEqual({ likeCount: { day: 3, all: 3 } });

    await sink.apply([lateApply]);
    await store.insert([after]);
    await sink.apply([after]);

    const cached = await redis.hmget(defaultCacheKeys.key(entityType, id), 'likeCount', 'likeCount:day');
    const t = (await truth([id], ['likeCount'], new Date(now))).get(id)!;
    expect(t.likeCount).toEqual({ day: 5, all: 6 });
    expect(cached.map(Number)).toEqual([t.likeCount!.all, t.likeCount!.day]);
    // The fill's bookkeeping is gone once committed.
    expect(await redis.exists(`${defaultCacheKeys.key(entityType, id)}:fill`)).toBe(0);
  });

  it('recomputes windowed values once they are older than their max age', async () => {
    const { stack, store, redis, entityType, event } = w;
    const id = 20;
    const t0 = Date.now();
    let clock = t0;
    const o = stack.unique('window:0');
    // Created 23h59m before t0: inside the day window at t0, outside it two minutes later.
    await store.insert([
      event(id, 'viewCount', 1, new Date(t0 - DAY + 60_000), o),
      event(id, 'viewCount', 1, new Date(t0 - 1000), o),
    ]);
    const reads: ReadStats[] = [];
    const reader = createMetricReader({
      redis: redis,
      clickhouse: stack.clickhouse,
      now: () => clock,
      maxAgeMs: { day: 5 * 60_000 },
      onRead: (s) => reads.push(s),
    });
    const read = async () =>
      (
        await reader.getMetrics({ entityType, entityIds: [id], metrics: ['viewCount'], timeframes: ['day'] })
      ).get(id)!.viewCount.day;

    expect(await read()).toBe(2);
    clock = t0 + 2 * 60_000;
    // Within the max age the cached value is served, still counting the item that just aged out.
    expect(await read()).toBe(2);
    clock = t0 + 5 * 60_000 + 1;
    expect(await read()).toBe(1);
    expect(reads.map((r) => r.misses)).toEqual([1, 0, 1]);
    expect(await redis.hget(defaultCacheKeys.key(entityType, id), '~at')).toBe(String(clock));
  });

  it('refuses to read a cache written with another shard count, before it fills anything', async () => {
    const { stack, store, redis, entityType, event } = w;
    const one = createCacheKeys(1);
    // An entity in shard 0 has the same key in both schemes; entity types are named per run, so a fixed id
    // would land there in one run of 16 (it did, in CI). Take the first id outside it.
    let id = 30;
    while (defaultCacheKeys.shardOf(entityType, id) === 0) id++;
    const now = Date.now();
    const watermarkKey = stack.unique('wm-layout');
    const like = event(id, 'likeCount', 1, new Date(now - 1000), stack.unique('layout:0'));
    await store.insert([like]);
    // A writer on one shard records the count; the hash it increments is the one-shard key.
    await redis.hset(one.key(entityType, id), { likeCount: 0 });
    const sink = new MetricCacheSink(redis, { watermarkKey, keys: one, signalChannel: null });
    await sink.apply([like]);
    const request = { entityType, entityIds: [id], metrics: ['likeCount'], timeframes: ['all'] } as const;

    const sixteen = createMetricReader({ redis, clickhouse: stack.clickhouse, watermarkKey });
    const refused = await sixteen.getMetrics(request).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'EB_CACHE_LAYOUT_MISMATCH' });
    expect((refused as Error).message).toMatch(/written with 1 shards and this reader's key scheme has 16/);
    expect(await redis.exists(defaultCacheKeys.key(entityType, id))).toBe(0);

    const matching = createMetricReader({ redis, clickhouse: stack.clickhouse, watermarkKey, keys: one });
    expect((await matching.getMetrics(request)).get(id)).toEqual({ likeCount: { all: 1 } });
  });
});
