// Recompute corrections' positions never go back within an origin, also when the counter starts afresh: the
// scope moved from the single Redis to the Cluster, or two scopes write to one ClickHouse table. A position
// handed out twice (or lower than one already stored) under one origin is skipped by the cache's watermark
// and taken as rolled by the read rollup's cut, so that correction would count nowhere.
import { cacheWatermarkKey, type RedisClient } from '@engagement/event-bus/sinks/redis';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { openRedis } from '../src/host/open-redis.js';
import { reserveRecomputeSeqs } from '../src/recompute/recompute-origin.js';
import { RUN } from './host-fixtures.js';

let single: RedisClient;
let cluster: RedisClient;

beforeAll(async () => {
  const stack = inject('stackEnv');
  if (!stack.REDIS_CLUSTER_NODES) throw new Error('the stack started no Redis Cluster');
  single = openRedis({ redis: { url: stack.REDIS_URL! } });
  cluster = openRedis({ redis: { clusterNodes: stack.REDIS_CLUSTER_NODES.split(',') } });
  await Promise.all([single.connect(), cluster.connect()]);
});

afterAll(() => {
  single?.disconnect();
  cluster?.disconnect();
});

/** Every (origin, position) handed out, in order; checks none repeats and each origin's positions grow. */
function positions() {
  const last = new Map<string, number>();
  const all: string[] = [];
  return {
    add({ origin, firstSeq }: { origin: string; firstSeq: number }, count: number) {
      expect(firstSeq, `${origin} went back`).toBeGreaterThan(last.get(origin) ?? -1);
      for (let i = 0; i < count; i++) all.push(`${origin}#${firstSeq + i}`);
      last.set(origin, firstSeq + count - 1);
    },
    all,
  };
}

it('hands out growing positions per origin, and a new origin when the counter starts afresh', async () => {
  const seen = positions();
  const scope = cacheWatermarkKey(`origin-${RUN}`);
  // One scope on the single Redis, then (migrated) on the Cluster, whose counter starts empty.
  for (const redis of [single, cluster, cluster]) {
    for (const count of [3, 2]) seen.add(await reserveRecomputeSeqs(redis, scope, count), count);
  }
  // Another scope writing to the same ClickHouse table.
  seen.add(await reserveRecomputeSeqs(cluster, `${scope}-other`, 4), 4);
  expect(new Set(seen.all).size).toBe(seen.all.length);
  expect(seen.all.length).toBe(3 * 5 + 4);
  // Within one Redis, one origin: the counter continues.
  const a = await reserveRecomputeSeqs(cluster, scope, 1);
  const b = await reserveRecomputeSeqs(cluster, scope, 1);
  expect([b.origin, b.firstSeq]).toEqual([a.origin, a.firstSeq + 1]);
});
