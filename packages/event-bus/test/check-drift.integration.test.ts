import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoredRows } from '../src/metrics/stored-rows.js';
import { checkDrift, createMetricReader } from '../src/reader/index.js';
import { ensureMetricEventTable, MetricEventStore, readMetricTotals } from '../src/sinks/clickhouse/index.js';
import { defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { MetricCacheSink } from '../src/sinks/redis/metric-cache-sink.js';
import { connectStack, type StackConnections } from './integration-env.js';
import { metricEvent } from './metric-events.js';

// The drift check on the real Redis and a private chDB: cached hashes filled by the reader and kept current
// by the sink; some events stored in ClickHouse but not applied yet (in flight), which is not drift.

const ENTITIES = [1, 2, 3, 4, 5, 6];
let stack: StackConnections;
let store: MetricEventStore;
let sink: MetricCacheSink;
let entityType: string;
let watermarkKey: string;
let origin: string;

const like = (entityId: number, metricValue = 1, daysAgo = 0) =>
  metricEvent({
    entityType,
    entityId,
    metricType: 'likeCount',
    metricValue,
    createdAt: new Date(Date.now() - daysAgo * 86_400_000 - 1000),
    origin,
  });

beforeAll(async () => {
  stack = await connectStack();
  await ensureMetricEventTable(stack.clickhouse);
  store = new MetricEventStore(stack.clickhouse);
  entityType = stack.unique('DriftModel');
  watermarkKey = stack.unique('wm-drift');
  origin = stack.unique('drift:0');
  sink = new MetricCacheSink(stack.redis, { watermarkKey, signalChannel: null });
});
afterAll(async () => {
  await stack?.close();
});

const check = (extra: { repair?: boolean; sample?: number } = {}) =>
  checkDrift({
    redis: stack.redis,
    clickhouse: stack.clickhouse,
    match: `metrics:{s*}:${entityType}:*`,
    watermarkKey,
    ...extra,
  });

async function cachedEqualsClickHouse(): Promise<void> {
  for (const id of ENTITIES) {
    const hash = await stack.redis.hgetall(defaultCacheKeys.key(entityType, id));
    const [truth] = await readMetricTotals(stack.clickhouse, {
      entityType,
      entityIds: [id],
      metricTypes: ['likeCount'],
      timeframes: ['week', 'all'],
      now: new Date(Number(hash['~at'])),
    });
    expect({ week: Number(hash['likeCount:week']), all: Number(hash.likeCount) }, `entity ${id}`).toEqual(
      truth!.totals.likeCount,
    );
  }
}

describe('checkDrift on the real stack', () => {
  it('reports corrupted values exactly, ignores increments in flight, and repair fixes them', async () => {
    const history = ENTITIES.flatMap((id) => [like(id), like(id, 1, 10), like(id, 2, 3)]);
    await store.insert(history);
    await sink.apply(history);
    const reader = createMetricReader({ redis: stack.redis, clickhouse: stack.clickhouse });
    await reader.getMetrics({
      entityType,
      entityIds: ENTITIES,
      metrics: ['likeCount'],
      timeframes: ['week', 'all'],
    });
    // After the fill: some events are stored and applied, others stored but still on their way to Redis.
    const applied = ENTITIES.map((id) => like(id));
    const inFlight = ENTITIES.map((id) => like(id, 5));
    await store.insert([...applied, ...inFlight]);
    await sink.apply(applied);

    expect(await check()).toEqual({ sampled: 6, drifted: 0, ratio: 0, details: [], repaired: 0 });

    await stack.redis.hincrby(defaultCacheKeys.key(entityType, 2), 'likeCount', 3);
    await stack.redis.hset(defaultCacheKeys.key(entityType, 4), 'likeCount:week', 99);
    const report = await check();
    expect(report).toMatchObject({ sampled: 6, drifted: 2, ratio: 2 / 6, repaired: 0 });
    expect(report.details).toEqual(
      expect.arrayContaining([
        { key: defaultCacheKeys.key(entityType, 2), field: 'likeCount', cached: 8, expected: 5 },
        { key: defaultCacheKeys.key(entityType, 4), field: 'likeCount:week', cached: 99, expected: 4 },
      ]),
    );
    expect(report.details).toHaveLength(2);
    expect((await check({ sample: 3 })).sampled).toBe(3);

    const repair = await check({ repair: true });
    expect(repair).toMatchObject({ drifted: 2, repaired: 2 });
    expect(await check()).toMatchObject({ sampled: 6, drifted: 0, ratio: 0 });

    // The repaired hashes counted the in-flight events; applying them now must not count them again.
    await sink.apply(inFlight);
    expect(await check()).toMatchObject({ sampled: 6, drifted: 0 });
    await cachedEqualsClickHouse();
    expect(await stack.redis.hget(defaultCacheKeys.key(entityType, 2), 'likeCount')).toBe('10');
  });

  it('is exact while Redis is ahead of ClickHouse (events applied, not yet inserted)', async () => {
    const type = stack.unique('AheadModel');
    const from = stack.unique('ahead:0');
    const ahead = (entityId: number, metricValue = 1, daysAgo = 0) =>
      metricEvent({
        entityType: type,
        entityId,
        metricType: 'likeCount',
        metricValue,
        createdAt: new Date(Date.now() - daysAgo * 86_400_000 - 1000),
        origin: from,
      });
    const checkAhead = () =>
      checkDrift({
        redis: stack.redis,
        clickhouse: stack.clickhouse,
        match: `metrics:{s*}:${type}:*`,
        watermarkKey,
      });
    const history = ENTITIES.flatMap((id) => [ahead(id), ahead(id, 1, 10)]);
    await sink.apply(history);
    await store.insert(history);
    await sink.stored(StoredRows.of(history));
    await createMetricReader({ redis: stack.redis, clickhouse: stack.clickhouse }).getMetrics({
      entityType: type,
      entityIds: ENTITIES,
      metrics: ['likeCount'],
      timeframes: ['week', 'all'],
    });
    // Applied to Redis first (the host's early publish), inserted in two flushes later.
    const first = ENTITIES.flatMap((id) => [ahead(id, 2), ahead(id, 1, 20)]);
    const second = ENTITIES.map((id) => ahead(id, 3, 2));
    await sink.apply([...first, ...second]);
    expect(await checkAhead()).toEqual({ sampled: 6, drifted: 0, ratio: 0, details: [], repaired: 0 });

    await stack.redis.hincrby(defaultCacheKeys.key(type, 3), 'likeCount:week', 1);
    expect((await checkAhead()).details).toEqual([
      { key: defaultCacheKeys.key(type, 3), field: 'likeCount:week', cached: 7, expected: 6 },
    ]);
    await stack.redis.hincrby(defaultCacheKeys.key(type, 3), 'likeCount:week', -1);

    await store.insert(first);
    expect(await checkAhead()).toMatchObject({ drifted: 0 }); // inserted, not yet recorded as stored
    await sink.stored(StoredRows.of(first));
    expect(await checkAhead()).toMatchObject({ drifted: 0 });
    await store.insert(second);
    await sink.stored(StoredRows.of(second));
    expect(await checkAhead()).toMatchObject({ sampled: 6, drifted: 0 });
    expect(
      await stack.redis.exists(...ENTITIES.map((id) => `${defaultCacheKeys.key(type, id)}:recent`)),
    ).toBe(0);
    for (const id of ENTITIES) {
      expect(await stack.redis.hmget(defaultCacheKeys.key(type, id), 'likeCount', 'likeCount:week')).toEqual([
        '8',
        '6',
      ]);
    }
  });
});
