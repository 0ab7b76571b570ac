import type { Logger } from '@engagement/plugin-api';
import type { ThreadMetricCache } from '../../runtime/ports.js';
import { createCacheKeys } from './cache-keys.js';
import { MetricCacheSink } from './metric-cache-sink.js';
import { createRedisClient, type RedisConnection } from './redis-client.js';

/** What a pool thread's cache sink is built from: the main thread's sink, as data. */
export interface PoolMetricCacheSettings {
  connection: RedisConnection;
  watermarkKey: string;
  /** Shards of the key scheme (`createCacheKeys`): the only scheme a thread can build again. */
  shards: number;
}

/** This module, for `WorkerPoolOptions.metricCache`: threads import it by name (functions cannot cross). */
export const poolMetricCacheModule = new URL(
  import.meta.url.endsWith('.ts') ? './pool-metric-cache.ts' : './pool-metric-cache.js',
  import.meta.url,
).href;

/**
 * A pool thread's own cache sink and Redis connection, so the thread that decoded a batch of metric messages
 * also applies it (`pool-worker.ts`): the same sink and scripts as the main thread's, on the same keys, so
 * the scripts' watermark checks keep it exactly once whichever thread applies a batch. It reads the
 * watermarks before each script instead of remembering them (see `rememberMarks`). Few retries per command:
 * when Redis fails, the thread gives up and the main thread applies the batch, retrying until Redis is back.
 */
export async function threadMetricCache(
  settings: PoolMetricCacheSettings,
  logger: Logger,
): Promise<ThreadMetricCache> {
  const redis = createRedisClient(settings.connection, { maxRetriesPerRequest: 1 });
  redis.on('error', (err: unknown) => logger.debug({ err }, 'pool.redis.error'));
  await redis.connect();
  const sink = new MetricCacheSink(redis, {
    keys: createCacheKeys(settings.shards),
    watermarkKey: settings.watermarkKey,
    rememberMarks: false,
  });
  return {
    apply: (events, position) => sink.apply(events, position),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
