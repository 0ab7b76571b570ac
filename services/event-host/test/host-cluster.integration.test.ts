// The host on the stack's three-master Redis Cluster, configured by EVENT_HOST_REDIS_CLUSTER_NODES alone:
// it applies increments exactly to hashes spread over the cluster's shards, and readiness pings the cluster.
import type { ClickHouseClient } from '@clickhouse/client';
import { defaultCacheKeys, type RedisClient } from '@engagement/event-bus/sinks/redis';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import type { EventHost } from '../src/host/create-event-host.js';
import { openRedis } from '../src/host/open-redis.js';
import {
  connectProducer,
  createImages,
  hostEnv,
  prefillCache,
  produce,
  reactionPlan,
  sourceTopicOf,
  startHost,
  waitFor,
  waitForPlanTotals,
} from './host-fixtures.js';

let cluster: RedisClient;
let db: pg.Client;
let clickhouse: ClickHouseClient;
let producer: Producer;
let host: EventHost;
let env: Record<string, string>;

beforeAll(async () => {
  const stack = inject('stackEnv');
  if (!stack.REDIS_CLUSTER_NODES)
    throw new Error('the stack started no Redis Cluster (REDIS_CLUSTER_NODES unset)');
  // No EVENT_HOST_REDIS_URL: the cluster's nodes are the whole Redis configuration.
  const { EVENT_HOST_REDIS_URL: _single, ...rest } = hostEnv('cluster', {
    EVENT_HOST_KAFKA_TOPIC_PARTITIONS: '2',
  });
  env = { ...rest, EVENT_HOST_REDIS_CLUSTER_NODES: stack.REDIS_CLUSTER_NODES };
  cluster = openRedis(loadConfig({ env }));
  await cluster.connect();
  db = new pg.Client({ connectionString: stack.POSTGRES_URL });
  await db.connect();
  ({ host, clickhouse } = await startHost(env));
  producer = await connectProducer(env);
});

afterAll(async () => {
  await host?.stop();
  await producer?.disconnect();
  cluster?.disconnect();
  await db?.end();
  await clickhouse?.close();
});

describe('event host on Redis Cluster', () => {
  it('keeps cached hashes in several shards exact and is ready', async () => {
    const { imageIds } = await createImages(db, 12);
    const { cached, absent } = await prefillCache(cluster, imageIds);
    // The hashes must spread over the masters, or this would prove nothing about the cluster.
    const shards = new Set(cached.map((id) => defaultCacheKeys.shardOf('Image', id)));
    expect(shards.size).toBeGreaterThan(1);

    const plan = reactionPlan(imageIds, 200);
    await produce(producer, sourceTopicOf(env), plan.records, { chunk: 20, pauseMs: 50 });
    const totals = await waitForPlanTotals(clickhouse, imageIds, plan);
    expect(totals.totals).toEqual(plan.expected);

    // Prefilled hashes moved by exactly the totals (prefill 100); uncached images were not created.
    const read = async () => {
      const out: Record<number, Record<string, number>> = {};
      for (const id of cached) {
        const hash = await cluster.hgetall(defaultCacheKeys.key('Image', id));
        out[id] = Object.fromEntries(Object.entries(hash).map(([k, v]) => [k, Number(v) - 100]));
      }
      return out;
    };
    const want = Object.fromEntries(cached.map((id) => [id, plan.expected.get(`Image:${id}`)]));
    const hashes = await waitFor(
      read,
      (h) => JSON.stringify(h) === JSON.stringify(want),
      30_000,
      'cached hashes',
    );
    expect(hashes).toEqual(want);
    for (const id of absent) expect(await cluster.exists(defaultCacheKeys.key('Image', id))).toBe(0);

    const ready = await fetch(`${host.url}/readyz`);
    const body = await ready.json();
    expect(ready.status, JSON.stringify(body)).toBe(200);
    expect(body.checks.redis.ok).toBe(true);
  });
});
