import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * A single Redis or a Redis Cluster. The cache's scripts, pipelines and MULTIs only ever touch keys of one
 * hash tag, so they run on either; `defineCommand` scripts are sent with EVALSHA and, on NOSCRIPT, with EVAL
 * to whichever node owns the keys, so every node loads them on first use.
 */
export type RedisClient = Redis | Cluster;

/** What every node connection of a Cluster takes (credentials, TLS). */
export type RedisNodeOptions = Pick<RedisOptions, 'username' | 'password' | 'tls'>;

/**
 * Where a Redis is, as data (so it crosses to a pool thread by structured clone): one node by URL, or a
 * Cluster by its seed nodes.
 */
export type RedisConnection =
  | { url: string }
  | {
      clusterNodes: { host: string; port: number }[];
      nodeOptions?: RedisNodeOptions;
    };

/** Per-client choices that hold for either kind (ioredis names them alike). */
export interface RedisClientOptions {
  /** Fail commands at once while disconnected instead of queueing them (readiness pings). */
  enableOfflineQueue?: boolean;
  /** Give up on a command after this many reconnects; default: ioredis's 20. */
  maxRetriesPerRequest?: number;
}

/**
 * The one way clients are made from a `RedisConnection`: a `Cluster` for seed nodes, else a single-node
 * `Redis`. Clients start unconnected (`lazyConnect`): callers connect them.
 */
export function createRedisClient(
  connection: RedisConnection,
  options: RedisClientOptions = {},
): RedisClient {
  const { enableOfflineQueue, maxRetriesPerRequest } = options;
  const perNode: RedisOptions = maxRetriesPerRequest === undefined ? {} : { maxRetriesPerRequest };
  const queueing = enableOfflineQueue === undefined ? {} : { enableOfflineQueue };
  if ('url' in connection) return new Redis(connection.url, { lazyConnect: true, ...perNode, ...queueing });
  return new Cluster(connection.clusterNodes, {
    lazyConnect: true,
    ...queueing,
    redisOptions: { ...connection.nodeOptions, ...perNode },
  });
}

/** The nodes to SCAN: every master of a Cluster, or the one Redis. */
export function scanNodes(redis: RedisClient): Redis[] {
  return redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis];
}
