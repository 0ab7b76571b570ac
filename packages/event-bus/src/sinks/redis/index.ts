/** Redis: exactly-once increments of cached metric hashes, race-free fills, and their key naming. */
export {
  type CacheKeyScheme,
  cacheWatermarkKey,
  createCacheKeys,
  DEFAULT_CACHE_SHARDS,
  defaultCacheKeys,
  shardWatermarkKey,
} from './cache-keys.js';
export { CacheLayoutCheck, cacheLayoutKey, claimCacheLayout } from './cache-layout.js';
export {
  DEFAULT_FIRST_SEEN_TTL_MS,
  RedisFirstSeenStore,
  type RedisFirstSeenStoreOptions,
} from './first-seen-store.js';
export {
  FILL_TIME_FIELD,
  fillMarkerKey,
  HIGH_WATER_PREFIX,
  nextOffsetField,
  parseTimeframeField,
  recentKey,
  timeframeField,
} from './hash-layout.js';
export { type FillClaim, type FillCommit, MetricCacheFills } from './metric-cache-fills.js';
export {
  type ApplyResult,
  type CachePosition,
  MetricCacheSink,
  type MetricCacheSinkOptions,
  type MetricSignal,
} from './metric-cache-sink.js';
export {
  createRedisClient,
  type RedisClient,
  type RedisClientOptions,
  type RedisConnection,
  type RedisNodeOptions,
} from './redis-client.js';
export { type DueTouches, RedisTouchQueue } from './touch-queue.js';
