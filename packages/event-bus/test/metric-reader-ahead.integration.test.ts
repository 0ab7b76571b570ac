import { expect, it } from 'vitest';
import { StoredRows } from '../src/metrics/stored-rows.js';
import { createMetricReader } from '../src/reader/index.js';
import { defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { MetricCacheSink } from '../src/sinks/redis/metric-cache-sink.js';
import { describeReaderOnStack } from './reader-on-stack.js';

// Events the cache sink applies to Redis before ClickHouse holds them (their log of recent events, docs/
// reading-metrics.md), against fills placed before, between and after the ClickHouse inserts, on the real
// Redis and a private chDB.

const DAY = 86_400_000;

describeReaderOnStack('metric reader, events in Redis ahead of ClickHouse', (w) => {
  it('counts events applied to Redis before ClickHouse holds them exactly once, wherever the fill lands', async () => {
    const { stack, store, redis, entityType, likesOf, truth } = w;
    const id = 11;
    const key = defaultCacheKeys.key(entityType, id);
    const now = Date.now();
    const { sink, like } = likesOf(id, 'ahead', now);

    // Each event is applied to Redis first and inserted into ClickHouse later (the host's early publish).
    // uncached: applied while the hash is missing, stored after the commit.
    const uncached = like('uncached');
    // cached: applied to the old hash, stored after the commit (the commit replaces that hash).
    const cached = like('cached');
    // oldWindow: like `cached`, created two days ago: it counts in 'all' only.
    const oldWindow = like('old', new Date(now - 2 * DAY));
    // storedBeforeQuery: applied before the claim, stored between claim and query (the query counts it).
    const storedBeforeQuery = like('stored-before-query');
    // storedAfterQuery: applied before the claim, stored between query and commit, and the insert's trim runs
    // then too: the list is left alone while the fill holds its marker, so the commit still replays it.
    const storedAfterQuery = like('stored-after-query');
    // claimed: applied after the claim, stored after the commit.
    const claimed = like('claimed');
    // after: applied after the commit, stored later (an ordinary increment).
    const after = like('after');
    // trimmedBefore: applied and stored (and trimmed) before the fill: only the query counts it.
    const trimmedBefore = like('trimmed-before');

    await sink.apply([uncached, trimmedBefore]);
    await store.insert([trimmedBefore]);
    await sink.stored(StoredRows.of([trimmedBefore]));
    const reader = createMetricReader({ redis: redis, clickhouse: stack.clickhouse, now: () => now });
    const request = {
      entityType,
      entityIds: [id],
      metrics: ['likeCount'] as const,
      timeframes: ['day', 'all'] as const,
    };
    await reader.getMetrics(request);
    expect(await redis.hmget(key, 'likeCount', 'likeCount:day')).toEqual(['2', '2']);
    await sink.apply([cached, oldWindow, storedBeforeQuery, storedAfterQuery]);
    expect(await redis.hmget(key, 'likeCount', 'likeCount:day')).toEqual(['6', '5']);

    await redis.del(key);
    const refiller = createMetricReader({
      redis: redis,
      clickhouse: stack.clickhouse,
      now: () => now,
      async onFillStep(step) {
        if (step === 'claimed') {
          await store.insert([storedBeforeQuery]);
          await sink.apply([claimed]);
        }
        if (step === 'queried') {
          await store.insert([storedAfterQuery]);
          await sink.stored(StoredRows.of([storedAfterQuery]));
        }
      },
    });
    const filled = await refiller.getMetrics(request);
    // The read answers from ClickHouse alone (what it held at the query); the hash holds everything applied.
    expect(filled.get(id)).toEqual({ likeCount: { day: 2, all: 2 } });
    expect(await redis.hmget(key, 'likeCount', 'likeCount:day')).toEqual(['7', '6']);
    await sink.apply([after]);

    const rest = [uncached, cached, oldWindow, claimed, after];
    await store.insert(rest);
    // The insert's trim skipped storedAfterQuery (the fill held the marker); the next insert covers it.
    await sink.stored(StoredRows.of([...rest, storedAfterQuery]));
    const t = (await truth([id], ['likeCount'], new Date(now))).get(id)!;
    expect(t.likeCount).toEqual({ day: 7, all: 8 });
    expect((await redis.hmget(key, 'likeCount', 'likeCount:day')).map(Number)).toEqual([
      t.likeCount!.all,
      t.likeCount!.day,
    ]);
    // Once ClickHouse holds every event, the recent list is gone, and a refill from ClickHouse alone agrees.
    expect(await redis.exists(`${key}:recent`, `${key}:fill`)).toBe(0);
    await redis.del(key);
    expect((await reader.getMetrics(request)).get(id)).toEqual({ likeCount: { day: 7, all: 8 } });
  });

  it("replays a partition's first position (0) from the recent list when the fill's query did not count it", async () => {
    const { stack, store, redis, entityType, likesOf } = w;
    const now = Date.now();
    const { sink, like } = likesOf(31, 'first', now);
    const reader = createMetricReader({ redis, clickhouse: stack.clickhouse, now: () => now });
    const request = {
      entityType,
      entityIds: [31],
      metrics: ['likeCount'] as const,
      timeframes: ['all'] as const,
    };
    // The change at offset 0 of a new partition: its first event is at position 0.
    const first = { ...like('offset-0'), originSeq: 0 };
    const key = defaultCacheKeys.key(entityType, 31);
    await sink.apply([first]); // in Redis (its recent list) before ClickHouse holds it
    expect((await reader.getMetrics(request)).get(31)).toEqual({ likeCount: { all: 0 } });
    expect(await redis.hget(key, 'likeCount')).toBe('1');
    await store.insert([first]);
    await sink.stored(StoredRows.of([first]));
    await redis.del(key);
    expect((await reader.getMetrics(request)).get(31)).toEqual({ likeCount: { all: 1 } });
    expect(await redis.hget(key, 'likeCount')).toBe('1');
  });

  it('writes nothing when the fill outlived its marker and an insert trimmed the list meanwhile', async () => {
    const { stack, store, redis, entityType, likesOf } = w;
    const now = Date.now();
    const { sink, like } = likesOf(41, 'expired', now);
    const request = {
      entityType,
      entityIds: [41],
      metrics: ['likeCount'] as const,
      timeframes: ['all'] as const,
    };
    const liked = like('only');
    const key = defaultCacheKeys.key(entityType, 41);
    await sink.apply([liked]); // in Redis before ClickHouse
    const slow = createMetricReader({
      redis,
      clickhouse: stack.clickhouse,
      now: () => now,
      fillMarkerMs: 200,
      async onFillStep(step) {
        if (step !== 'queried') return;
        // The query did not count it. The marker expires; then the insert's trim drops its entry.
        await new Promise((resolve) => setTimeout(resolve, 400));
        await store.insert([liked]);
        await sink.stored(StoredRows.of([liked]));
      },
    });
    expect((await slow.getMetrics(request)).get(41)).toEqual({ likeCount: { all: 0 } });
    // Written, the hash would say 0 until it expired: the query missed the event and the list lost it.
    expect(await redis.exists(key)).toBe(0);
    const reader = createMetricReader({ redis, clickhouse: stack.clickhouse, now: () => now });
    expect((await reader.getMetrics(request)).get(41)).toEqual({ likeCount: { all: 1 } });
    expect(await redis.hget(key, 'likeCount')).toBe('1');
  });

  it('drops a recent entry ClickHouse will never hold: a dead host applied it, the replay emitted another', async () => {
    const { stack, store, redis, entityType } = w;
    const now = Date.now();
    const watermarkKey = stack.unique('wm-ghost');
    const sink = new MetricCacheSink(redis, { watermarkKey, signalChannel: null });
    const reader = createMetricReader({ redis, clickhouse: stack.clickhouse, watermarkKey, now: () => now });
    const request = {
      entityType,
      entityIds: [21],
      metrics: ['likeCount'] as const,
      timeframes: ['all'] as const,
    };
    // Another entity of the same shard: a busy origin's inserts touch every shard, and `~ch` is kept per shard.
    const shard = defaultCacheKeys.shardOf(entityType, 21);
    let other = 22;
    while (defaultCacheKeys.shardOf(entityType, other) !== shard) other++;
    const origin = stack.unique('ghost-topic:0');
    const at = new Date(now - 1000);
    const stored = w.event(21, 'likeCount', 1, at, origin);
    // The dead host's event: applied to Redis (into 21's recent list), never inserted.
    const ghost = w.event(21, 'likeCount', 1, at, origin);
    // The next owner's replay of the same change emitted another event at that position (its lookup read a
    // row that had changed meanwhile): the one ClickHouse holds.
    const replayed = { ...ghost, entityId: other, eventId: `${ghost.eventId}/replayed` };

    await sink.apply([stored, ghost]);
    await store.insert([stored]);
    await sink.stored(StoredRows.of([stored]));
    await sink.apply([replayed]);
    await store.insert([replayed]);
    await sink.stored(StoredRows.of([replayed]));
    expect((await w.truth([21, other], ['likeCount'], new Date(now))).get(21)?.likeCount?.all).toBe(1);

    const key = defaultCacheKeys.key(entityType, 21);
    for (let round = 0; round < 2; round++) {
      await redis.del(key);
      expect((await reader.getMetrics(request)).get(21)).toEqual({ likeCount: { all: 1 } });
      // Replayed onto the filled hash, the ghost would make it 2, on every refill.
      expect(await redis.hget(key, 'likeCount')).toBe('1');
    }
    expect(await redis.exists(`${key}:recent`)).toBe(0);
  });
});
