import { type CacheKeyScheme, cacheWatermarkKey, createCacheKeys } from '@engagement/event-bus/sinks/redis';
import type { HostConfig } from '../config/host-config.js';

/** The cache sink's watermark hash for this deployment (as the event bus pipeline names it). */
export function watermarkKeyOf(config: Pick<HostConfig, 'cacheScope'>): string {
  return cacheWatermarkKey(config.cacheScope);
}

/** How this deployment names and shards its cached hashes (`redis.cacheShards`): the sink, checks and repairs. */
export function cacheKeysOf(config: { redis: Pick<HostConfig['redis'], 'cacheShards'> }): CacheKeyScheme {
  return createCacheKeys(config.redis.cacheShards);
}
