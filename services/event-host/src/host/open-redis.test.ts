import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { connectRedisFor, hasRedis, openRedis, redisConnection } from './open-redis.js';

const base = {
  EVENT_HOST_CLICKHOUSE_URL: 'http://ch:8123',
};
const config = (env: Record<string, string>) => loadConfig({ env: { ...base, ...env }, purpose: 'drift' });

describe('openRedis', () => {
  it('opens the single node of redis.url when no cluster nodes are set', () => {
    const c = config({ EVENT_HOST_REDIS_URL: 'redis://cache:6379/2' });
    // What openRedis connects to, and the pipeline's pool threads too.
    expect(redisConnection(c)).toEqual({ url: 'redis://cache:6379/2' });
    const redis = openRedis(c, { maxRetriesPerRequest: 2 });
    expect(redis).toBeInstanceOf(Redis);
    expect(redis.status).toBe('wait'); // lazy: nothing connects until the caller does
    expect((redis as Redis).options).toMatchObject({
      host: 'cache',
      port: 6379,
      db: 2,
      maxRetriesPerRequest: 2,
    });
  });

  it('opens a Cluster on redis.clusterNodes, which wins over redis.url', () => {
    const c = config({
      EVENT_HOST_REDIS_CLUSTER_NODES: 'r1:7000, r2:7001',
      EVENT_HOST_REDIS_URL: 'rediss://app:s%40cret@ignored:6379',
    });
    expect(redisConnection(c)).toEqual({
      clusterNodes: [
        { host: 'r1', port: 7000 },
        { host: 'r2', port: 7001 },
      ],
      // The URL only lends its credentials and TLS to every node.
      nodeOptions: { username: 'app', password: 's@cret', tls: {} },
    });
    const redis = openRedis(c, { enableOfflineQueue: false, maxRetriesPerRequest: 2 });
    expect(redis).toBeInstanceOf(Cluster);
    expect(redis.isCluster).toBe(true);
    expect(redis.status).toBe('wait');
    expect((redis as Cluster).options).toMatchObject({
      enableOfflineQueue: false,
      redisOptions: { username: 'app', password: 's@cret', maxRetriesPerRequest: 2 },
    });
  });

  it('needs no URL for a cluster without credentials', () => {
    const c = config({ EVENT_HOST_REDIS_CLUSTER_NODES: '10.0.0.5:6379' });
    expect(hasRedis(c)).toBe(true);
    expect(redisConnection(c)).toEqual({
      clusterNodes: [{ host: '10.0.0.5', port: 6379 }],
      nodeOptions: {},
    });
  });

  it('a command that opens Redis requires one of the two settings, naming both', () => {
    expect(() => config({})).toThrow(
      'EVENT_HOST_REDIS_URL or EVENT_HOST_REDIS_CLUSTER_NODES: required, expected a redis:// or rediss:// URL or a comma-separated list of host:port',
    );
    expect(() => config({ EVENT_HOST_REDIS_CLUSTER_NODES: 'r1' })).toThrow(
      'EVENT_HOST_REDIS_CLUSTER_NODES (redis.clusterNodes in a config file): expected a comma-separated list of host:port, got "r1"',
    );
    expect(hasRedis({ redis: {} })).toBe(false);
  });
});

describe('a command connecting to a Redis it cannot reach', () => {
  it('fails with one error naming the setting and where it points, the password masked', async () => {
    const refused = connectRedisFor({ redis: { url: 'redis://admin:S3cretPw@127.0.0.1:1' } });
    await expect(refused).rejects.toMatchObject({ code: 'EH_START_FAILED' });
    await expect(refused).rejects.toThrow(
      'EVENT_HOST_REDIS_URL (redis.url): cannot connect to Redis at redis://***@127.0.0.1:1: connect ECONNREFUSED',
    );
    await expect(refused).rejects.not.toThrow(/S3cretPw/);
  });
});
