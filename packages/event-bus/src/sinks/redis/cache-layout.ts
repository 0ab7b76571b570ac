import { SinkError } from '../../errors.js';
import type { RedisClient } from './redis-client.js';
import { asSinkCall } from './redis-errors.js';

/** The key recording how many shards the cache of a watermark hash is written with (a plain string). */
export const cacheLayoutKey = (watermarkKey: string): string => `${watermarkKey}:shards`;

/**
 * Records the shard count a cache is written with (the first writer sets it) and refuses a writer with
 * another one: every key it wrote would differ from what readers and the other writers use, and its
 * watermarks would mix with theirs. Changing the count takes an emptied cache (docs/operations.md).
 */
export async function claimCacheLayout(
  redis: RedisClient,
  watermarkKey: string,
  shards: number,
): Promise<void> {
  const key = cacheLayoutKey(watermarkKey);
  const wanted = String(shards);
  await asSinkCall(() => redis.set(key, wanted, 'NX'));
  const held = await asSinkCall(() => redis.get(key));
  if (held === null || held === wanted) return;
  throw new SinkError(
    'redis',
    `the cache of ${watermarkKey} is written with ${held} shards and this writer uses ${shards} ` +
      '(the host: EVENT_HOST_REDIS_CACHE_SHARDS, redis.cacheShards): set it back to ' +
      `${held}, or empty the cache first (docs/operations.md, "Changing the cache's shard count")`,
    { retriable: false },
  );
}
