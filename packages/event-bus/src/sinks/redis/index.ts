/** Redis: exactly-once increments of cached metric hashes, and their key naming. */
export { type CacheKeyScheme, defaultCacheKeys } from './cache-keys.js';
export {
  type ApplyResult,
  MetricCacheSink,
  type MetricCacheSinkOptions,
  type MetricSignal,
} from './metric-cache-sink.js';
