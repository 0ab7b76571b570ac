import type { RedisClient, RedisConnection } from '@engagement/event-bus/sinks/redis';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { HostConfig } from '../config/host-config.js';

/** Where the Redis of the caches is (the shard count does not matter for connecting). */
type RedisSettings = { redis: Pick<HostConfig['redis'], 'url' | 'clusterNodes'> };

/** What the host connects to: one Redis by URL, or a Redis Cluster by its seed nodes. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; nodeOptions: RedisOptions };

/** Per-client choices that hold for either kind (ioredis names them alike). */
export interface OpenRedisOptions {
  /** Fail commands at once while disconnected instead of queueing them (readiness pings). */
  enableOfflineQueue?: boolean;
  /** Give up on a command after this many reconnects (CLI commands); default: ioredis's 20. */
  maxRetriesPerRequest?: number;
}

/**
 * `redis.clusterNodes` wins over `redis.url`: the cluster's nodes then take the URL's user, password and
 * TLS (`rediss:`), so a secured cluster needs no setting of its own. `loadConfig` guarantees one of the two
 * for purposes that open Redis.
 */
export function redisTarget(config: RedisSettings): RedisTarget {
  const { url, clusterNodes } = config.redis;
  if (!clusterNodes?.length) {
    if (!url) throw new Error('redisTarget: neither redis.url nor redis.clusterNodes is set');
    return { kind: 'single', url };
  }
  const nodes = clusterNodes.map((node) => {
    const at = node.lastIndexOf(':');
    return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
  });
  const nodeOptions: RedisOptions = {};
  if (url) {
    const parsed = new URL(url);
    if (parsed.username) nodeOptions.username = decodeURIComponent(parsed.username);
    if (parsed.password) nodeOptions.password = decodeURIComponent(parsed.password);
    if (parsed.protocol === 'rediss:') nodeOptions.tls = {};
  }
  return { kind: 'cluster', nodes, nodeOptions };
}

/** The target as the pipeline's pool threads take it (`EventPipelineOptions.redisConnection`). */
export function redisConnection(config: RedisSettings): RedisConnection {
  const target = redisTarget(config);
  return target.kind === 'single'
    ? { url: target.url }
    : { clusterNodes: target.nodes, nodeOptions: target.nodeOptions };
}

/** Whether the configuration names a Redis at all (a single node or a cluster). */
export function hasRedis(config: RedisSettings): boolean {
  return Boolean(config.redis.url || config.redis.clusterNodes?.length);
}

/**
 * The one place the host and its commands create Redis clients: a `Redis.Cluster` when cluster nodes are
 * configured, else a single-node `Redis`. Clients start unconnected (`lazyConnect`): callers connect them.
 */
export function openRedis(config: RedisSettings, options: OpenRedisOptions = {}): RedisClient {
  const target = redisTarget(config);
  const { enableOfflineQueue, maxRetriesPerRequest } = options;
  const perNode: RedisOptions = maxRetriesPerRequest === undefined ? {} : { maxRetriesPerRequest };
  if (target.kind === 'single') {
    return new Redis(target.url, {
      lazyConnect: true,
      ...perNode,
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    });
  }
  return new Cluster(target.nodes, {
    lazyConnect: true,
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    redisOptions: { ...target.nodeOptions, ...perNode },
  });
}
