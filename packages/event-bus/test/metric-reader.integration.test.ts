import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricReader, type ReadStats } from '../src/reader/index.js';
import { ensureMetricEventTable, MetricEventStore, readMetricTotals } from '../src/sinks/clickhouse/index.js';
import { defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { MetricCacheSink } from '../src/sinks/redis/metric-cache-sink.js';
import type { RedisClient } from '../src/sinks/redis/redis-client.js';
import { connectRedis, connectStack, REDIS_KINDS, type StackConnections } from './integration-env.js';
import { metricEvent } from './metric-events.js';

// Reader, cache sink and fills on the real Redis and a private chDB. Events are written to ClickHouse and
// applied to Redis by the test itself, so each interleaving with a fill is placed exactly where intended.

const DAY = 86_400_000;
let stack: StackConnections;
let store: MetricEventStore;
let entityType: string;

beforeAll(async () => {
  stack = await connectStack();
  await ensureMetricEventTable(stack.clickhouse);
  store = new MetricEventStore(stack.clickhouse);
});
afterAll(async () => {
  await stack?.close();
});

const event = (entityId: number, metricType: string, metricValue: number, createdAt: Date, origin: string) =>
  metricEvent({ entityType, entityId, metricType, metricValue, createdAt, origin });

async function truth(ids: number[], metricTypes: string[], now: Date) {
  const rows = await readMetricTotals(stack.clickhouse, {
    entityType,
    entityIds: ids,
    metricTypes,
    timeframes: ['day', 'all'],
    now,
  });
  return new Map(rows.map((r) => [r.entityId, r.totals]));
}

// Every interleaving runs on the stack's single Redis and on its Redis Cluster (same keys, one slot per shard).
describe.each(REDIS_KINDS)('metric reader on the real stack (%s Redis)', (kind) => {
  let redis: RedisClient;
  beforeAll(() => {
    redis = connectRedis(stack.env, kind);
    // Both variants share one ClickHouse: each writes its own entity type.
    entityType = stack.unique(`Model-${kind}`);
  });
  afterAll(() => redis?.disconnect());

  it('fills misses from one query, serves hits from Redis, computes rating from sum and count', async () => {
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
    const id = 10;
    const now = Date.now();
    const origin = (name: string) => stack.unique(`race-${name}:0`);
    const sink = new MetricCacheSink(redis, {
      watermarkKey: stack.unique('wm-race'),
      signalChannel: null,
    });
    const like = (name: string, createdAt = new Date(now - 1000)) =>
      event(id, 'likeCount', 1, createdAt, origin(name));

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

  it('counts events applied to Redis before ClickHouse holds them exactly once, wherever the fill lands', async () => {
    const id = 11;
    const key = defaultCacheKeys.key(entityType, id);
    const now = Date.now();
    const origin = (name: string) => stack.unique(`ahead-${name}:0`);
    const sink = new MetricCacheSink(redis, {
      watermarkKey: stack.unique('wm-ahead'),
      signalChannel: null,
    });
    const like = (name: string, createdAt = new Date(now - 1000)) =>
      event(id, 'likeCount', 1, createdAt, origin(name));

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
    await sink.stored([trimmedBefore]);
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
          await sink.stored([storedAfterQuery]);
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
    await sink.stored([...rest, storedAfterQuery]);
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

  it('recomputes windowed values once they are older than their max age', async () => {
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
});
