import type { Cluster, Redis } from 'ioredis';

/**
 * A single Redis or a Redis Cluster. The cache's scripts, pipelines and MULTIs only ever touch keys of one
 * hash tag, so they run on either; `defineCommand` scripts are sent with EVALSHA and, on NOSCRIPT, with EVAL
 * to whichever node owns the keys, so every node loads them on first use.
 */
export type RedisClient = Redis | Cluster;

/** The nodes to SCAN: every master of a Cluster, or the one Redis. */
export function scanNodes(redis: RedisClient): Redis[] {
  return redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis];
}
