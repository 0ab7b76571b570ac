import {
  createRedisClient,
  type RedisClient,
  type RedisClientOptions,
  type RedisConnection,
  type RedisNodeOptions,
} from '@engagement/event-bus/sinks/redis';
import type { HostConfig } from '../config/host-config.js';
import { maskUrl } from '../config/mask-secrets.js';
import { unreachable } from './unreachable.js';

/** Where the Redis of the caches is (the shard count does not matter for connecting). */
type RedisSettings = { redis: Pick<HostConfig['redis'], 'url' | 'clusterNodes'> };

/**
 * Where the configuration says the caches' Redis is. `redis.clusterNodes` wins over `redis.url`: the
 * cluster's nodes then take the URL's user, password and TLS (`rediss:`), so a secured cluster needs no
 * setting of its own. `loadConfig` guarantees one of the two for purposes that open Redis. As data, it is
 * also what the pipeline's pool threads connect with (`EventPipelineOptions.redisConnection`).
 */
export function redisConnection(config: RedisSettings): RedisConnection {
  const { url, clusterNodes } = config.redis;
  if (!clusterNodes?.length) {
    if (!url) throw new Error('redisConnection: neither redis.url nor redis.clusterNodes is set');
    return { url };
  }
  const nodes = clusterNodes.map((node) => {
    const at = node.lastIndexOf(':');
    return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
  });
  const nodeOptions: RedisNodeOptions = {};
  if (url) {
    const parsed = new URL(url);
    if (parsed.username) nodeOptions.username = decodeURIComponent(parsed.username);
    if (parsed.password) nodeOptions.password = decodeURIComponent(parsed.password);
    if (parsed.protocol === 'rediss:') nodeOptions.tls = {};
  }
  return { clusterNodes: nodes, nodeOptions };
}

/** Whether the configuration names a Redis at all (a single node or a cluster). */
export function hasRedis(config: RedisSettings): boolean {
  return Boolean(config.redis.url || config.redis.clusterNodes?.length);
}

/**
 * The one place the host and its commands create Redis clients (unconnected: callers connect them), from the
 * configuration's connection.
 */
export function openRedis(config: RedisSettings, options: RedisClientOptions = {}): RedisClient {
  return createRedisClient(redisConnection(config), options);
}

/**
 * A command's Redis, connected. ioredis reports a connection it cannot make as an "Unhandled error event"
 * with a stack on stderr, then the command's own failure; here it is one error naming the setting and where
 * it points (user info masked). Later connection errors are not printed either: the command's calls fail
 * with them.
 */
export async function connectRedisFor(
  config: RedisSettings,
  options: RedisClientOptions = {},
): Promise<RedisClient> {
  const redis = openRedis(config, options);
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const { url, clusterNodes } = config.redis;
    const [setting, where] = clusterNodes?.length
      ? ['EVENT_HOST_REDIS_CLUSTER_NODES (redis.clusterNodes)', clusterNodes.join(',')]
      : ['EVENT_HOST_REDIS_URL (redis.url)', maskUrl(url ?? '')];
    throw unreachable(
      setting,
      `cannot connect to Redis at ${where}`,
      error,
      (lastError ?? (error as Error)).message,
    );
  }
  return redis;
}
