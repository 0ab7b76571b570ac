import { silentLogger } from '@engagement/plugin-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaRecord } from '../src/events/kafka-record.js';
import { decodeMetricMessages } from '../src/metrics/metric-message.js';
import { gatherMessages, isNotStored } from '../src/runtime/apply-stage.js';
import { NOT_STORED_HEADER } from '../src/runtime/publish-metric-events.js';
import { WorkerPoolProcessor } from '../src/runtime/worker-pool.js';
import { cacheWatermarkKey, createCacheKeys, shardWatermarkKey } from '../src/sinks/redis/cache-keys.js';
import { MetricCacheSink } from '../src/sinks/redis/metric-cache-sink.js';
import { poolMetricCacheModule } from '../src/sinks/redis/pool-metric-cache.js';
import type { RedisClient, RedisConnection } from '../src/sinks/redis/redis-client.js';
import { fakeEvent } from '../src/testing/fake-events.js';
import { connectRedis, connectStack, REDIS_KINDS, type StackConnections } from './integration-env.js';

let stack: StackConnections;

beforeAll(async () => {
  stack = await connectStack();
});

afterAll(async () => {
  await stack?.close();
});

const SHARDS = 4;
const keys = createCacheKeys(SHARDS);

/** Likes and loves of 40 images by 300 users on three source partitions (three origins), unique to this run. */
function reactionRecords(base: number) {
  const reactions = fakeEvent.postgres('ImageReaction');
  return Array.from({ length: 300 }, (_, i) => {
    const row = { id: i + 1, imageId: base + (i % 40), userId: base + i, reaction: i % 3 ? 'Like' : 'Love' };
    return { ...reactions.onPartition(i % 3).created(row).record, offset: String(i) };
  });
}

/** A pool of one thread with the sample plugin, applying with a cache sink of its own on `connection`. */
function applyingPool(
  connection: RedisConnection,
  scope: string,
  metricMinBytes = 0,
  metricWhenLive = false,
) {
  return new WorkerPoolProcessor({
    threads: 1,
    pluginModules: [new URL('./sample-plugin.ts', import.meta.url).href],
    decoder: { debezium: { topicPrefix: 'app' } },
    logger: silentLogger,
    metricMinBytes,
    metricWhenLive,
    metricCache: {
      module: poolMetricCacheModule,
      settings: { connection, watermarkKey: cacheWatermarkKey(scope), shards: SHARDS },
    },
  });
}

/**
 * The metric-topic records of the sample plugin's events for those reactions: one message per origin and
 * chunk, every other one marked as not stored, and one row that is not a metric event in the first.
 */
async function metricRecords(pool: WorkerPoolProcessor, base: number): Promise<KafkaRecord[]> {
  const batch = await pool.process(reactionRecords(base));
  return batch.encoded!.messages.map((m, i) => ({
    topic: 'metrics',
    partition: 0,
    offset: String(i),
    key: Buffer.from(m.key),
    value: Buffer.concat([Buffer.from(i === 0 ? '{"not":"an event"}\n' : ''), Buffer.from(m.value)]),
    ...(i % 2 ? { headers: { [NOT_STORED_HEADER]: Buffer.from('1') } } : {}),
  }));
}

/** Every key of these entities (hashes and recent lists) and of the scope's watermark hashes, with contents. */
async function snapshot(redis: RedisClient, base: number, scope: string) {
  const out: Record<string, unknown> = {};
  for (let id = base; id < base + 300; id++) {
    for (const type of ['Image', 'User']) {
      const key = keys.key(type, id);
      const hash = await redis.hgetall(key);
      if (Object.keys(hash).length) out[key] = hash;
      const recent = await redis.lrange(`${key}:recent`, 0, -1);
      if (recent.length) out[`${key}:recent`] = recent;
    }
  }
  for (let k = 0; k < SHARDS; k++)
    out[`wm:${k}`] = await redis.hgetall(shardWatermarkKey(cacheWatermarkKey(scope), k));
  return out;
}

/** Cached hashes for a third of the images, so increments have somewhere to land. */
async function cacheSome(redis: RedisClient, base: number, filledAt: number): Promise<void> {
  for (let id = base; id < base + 40; id += 3) {
    await redis.hset(keys.key('Image', id), { likeCount: 7, reactionCount: 11, '~at': filledAt });
  }
}

async function clear(redis: RedisClient, base: number): Promise<void> {
  for (let id = base; id < base + 300; id++)
    for (const type of ['Image', 'User']) await redis.del(keys.key(type, id), `${keys.key(type, id)}:recent`);
}

describe.each(REDIS_KINDS)('pool threads applying metric batches to the cache (%s Redis)', (kind) => {
  it('leave Redis as the main thread leaves it, return what the apply stage needs, and skip a replay', async () => {
    const redis = connectRedis(stack.env, kind);
    const connection: RedisConnection =
      kind === 'single'
        ? { url: stack.env.REDIS_URL! }
        : {
            clusterNodes: stack.env.REDIS_CLUSTER_NODES!.split(',').map((n) => {
              const [host, port] = n.split(':');
              return { host: host!, port: Number(port) };
            }),
          };
    const base = 7_000_000 + Math.floor(Math.random() * 1_000_000) * 1_000;
    const [poolScope, mainScope] = [stack.unique('pool-apply'), stack.unique('main-apply')];
    const pool = applyingPool(connection, poolScope);
    try {
      const records = await metricRecords(pool, base);
      expect(new Set(records.map((r) => r.key!.toString())).size).toBe(3);
      const filledAt = Date.now() - 60_000;
      const position = { topic: 'metrics', partition: 0, expected: '0', next: String(records.length) };

      await cacheSome(redis, base, filledAt);
      const fromPool = (await pool.applyMetricRecords(records, position, true))!;
      const poolState = await snapshot(redis, base, poolScope);

      await clear(redis, base);
      await cacheSome(redis, base, filledAt);
      const { events, stored, invalid } = gatherMessages(
        records.map((r) => decodeMetricMessages(r.value)),
        (i) => isNotStored(records[i]!),
      );
      const sink = new MetricCacheSink(redis, { keys, watermarkKey: cacheWatermarkKey(mainScope) });
      const fromMain = await sink.apply(events, position);
      const mainState = await snapshot(redis, base, mainScope);

      expect(events.length).toBe(900);
      expect(fromPool.result).toEqual(fromMain);
      expect(fromPool.result!.applied).toBe(900);
      expect(fromPool.result!.updatedKeys.length).toBeGreaterThan(0);
      expect(fromPool.invalid).toEqual(invalid);
      expect(fromPool.invalid).toHaveLength(1);
      expect(fromPool.stored).toEqual(stored.map(({ entityType, entityId }) => ({ entityType, entityId })));
      expect(fromPool.stored.length).toBeGreaterThan(0);
      expect(fromPool.stored.length).toBeLessThan(events.length);
      expect(poolState).toEqual(mainState);

      // The same batch again (a redelivery) through the pool: every event is below the watermarks.
      const replay = (await pool.applyMetricRecords(records, position, false))!;
      expect(replay.result).toMatchObject({ applied: 0, skipped: 900 });
      expect(replay.stored).toEqual([]);
      expect(await snapshot(redis, base, poolScope)).toEqual(poolState);
    } finally {
      await pool.close();
      await clear(redis, base);
      redis.disconnect();
    }
  }, 60_000);
});

describe('pool threads applying metric batches', () => {
  it('leave batches under the size threshold, and every batch without a cache, to the caller', async () => {
    const base = 8_000_000 + Math.floor(Math.random() * 1_000_000) * 1_000;
    const pool = applyingPool({ url: stack.env.REDIS_URL! }, stack.unique('small'), 1 << 30);
    const noCache = new WorkerPoolProcessor({
      threads: 1,
      pluginModules: [new URL('./sample-plugin.ts', import.meta.url).href],
      decoder: { debezium: { topicPrefix: 'app' } },
      logger: silentLogger,
      metricMinBytes: 0,
    });
    try {
      const records = await metricRecords(pool, base);
      expect(await pool.applyMetricRecords(records, undefined, false)).toBeUndefined();
      expect(await noCache.applyMetricRecords(records, undefined, false)).toBeUndefined();
    } finally {
      await Promise.all([pool.close(), noCache.close()]);
    }
  }, 60_000);

  it("leave a live host's batches to the caller, unless told to take those too", async () => {
    const base = 8_500_000 + Math.floor(Math.random() * 1_000_000) * 1_000;
    const scope = stack.unique('live');
    const pool = applyingPool({ url: stack.env.REDIS_URL! }, scope);
    const eager = applyingPool({ url: stack.env.REDIS_URL! }, scope, 0, true);
    const redis = connectRedis(stack.env, 'single');
    try {
      const records = await metricRecords(pool, base);
      expect(await pool.applyMetricRecords(records, undefined, false, true)).toBeUndefined();
      const applied = await eager.applyMetricRecords(records, undefined, false, true);
      expect(applied?.result?.applied).toBeGreaterThan(0);
    } finally {
      await Promise.all([pool.close(), eager.close()]);
      await clear(redis, base);
      redis.disconnect();
    }
  }, 60_000);

  it('fail a batch when the thread cannot reach Redis, for the main thread to apply', async () => {
    // Nothing listens on port 9 here.
    const pool = applyingPool({ url: 'redis://127.0.0.1:9' }, stack.unique('unreachable'));
    try {
      const records = await metricRecords(pool, 9_000_000);
      await expect(pool.applyMetricRecords(records, undefined, false)).rejects.toThrow();
    } finally {
      await pool.close();
    }
  }, 60_000);
});
