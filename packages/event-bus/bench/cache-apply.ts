// The cache sink's apply path alone: MetricCacheSink.apply on batches of metric events, as the apply stage
// calls it for each metric message, against the stack's Redis (REDIS_URL, database 12, flushed). Prints per
// event the wall time, this process's CPU (building the scripts' arguments, ioredis) and Redis's own CPU
// (`INFO cpu` before and after). Run with the local stack up:
//   npx tsx --conditions=source packages/event-bus/bench/cache-apply.ts [batches] [--cached 0.3] [--rounds 3]
//     [--batch 1000] [--shards 16]
// `batches` of --batch events (default 300 of 1,000), spread over 1,000 Image ids and three origins; --shards:
// the cache's shard count (one script per shard and batch; a latency run's batches hold ~50-100 events
// at half the maximum rate, the limits bench's thousands); --cached: the share of
// those entities whose hash exists (so the script applies their increments); 0 by default, as in the limits
// bench, where every event is only logged in its entity's recent list. Each round uses fresh watermarks.
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { Redis } from 'ioredis';
import { createCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { MetricCacheSink } from '../src/sinks/redis/metric-cache-sink.js';
import { countArg, flag, redisCpuSeconds } from './bench-kit.js';

const batches = countArg(300);
const cachedShare = Number(flag('cached') ?? 0);
const rounds = Number(flag('rounds') ?? 3);
const PER_BATCH = Number(flag('batch') ?? 1_000);
const keys = createCacheKeys(Number(flag('shards') ?? 16));
const ENTITIES = 1_000;
const METRICS = ['likeCount', 'heartCount', 'laughCount'];

const url = process.env.REDIS_URL;
if (!url) throw new Error('REDIS_URL is not set: start the stack and load its stack.env');
const redis = new Redis(url, { db: 12 });
const now = Date.now();
let seq = 0;
const batch = (): EntityMetricEvent[] =>
  Array.from({ length: PER_BATCH }, (_, i) => ({
    eventId: `e${seq}`,
    entityType: 'Image',
    entityId: 1 + ((seq * 7919) % ENTITIES),
    userId: 1,
    metricType: METRICS[seq % METRICS.length]!,
    metricValue: seq % 7 === 0 ? -1 : 1,
    createdAt: new Date(now - (seq % 1_000) * 1_000),
    origin: `bench.cache-apply:${i % 3}`,
    originSeq: seq++,
  }));
const all = Array.from({ length: batches }, batch);

const events = batches * PER_BATCH;
const perEvent = (x: number) => ((x * 1e6) / events).toFixed(2).padStart(6);
console.log(
  `${events} events per round in batches of ${PER_BATCH}, ${keys.shards} shard(s), ${cachedShare * 100}% of ${ENTITIES} entities cached; µs per event`,
);
console.log('round    wall  process CPU  Redis CPU');
for (let round = 1; round <= rounds; round++) {
  await redis.flushdb();
  for (let id = 1; id <= ENTITIES; id++) {
    if ((id % 100) / 100 < cachedShare)
      await redis.hset(keys.key('Image', id), 'likeCount', 0, 'heartCount', 0);
  }
  const sink = new MetricCacheSink(redis, {
    watermarkKey: `bench:cache-apply:${round}`,
    signalChannel: null,
    keys,
  });
  const redisBefore = await redisCpuSeconds(redis);
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  let applied = 0;
  for (const b of all) applied += (await sink.apply(b)).applied;
  const wall = (performance.now() - t0) / 1_000;
  const cpu = process.cpuUsage(cpuBefore);
  const redisCpu = (await redisCpuSeconds(redis)) - redisBefore;
  if (applied !== events) throw new Error(`applied ${applied} of ${events} events`);
  console.log(
    `${String(round).padStart(5)}  ${perEvent(wall)}  ${perEvent((cpu.user + cpu.system) / 1e6).padStart(11)}  ${perEvent(redisCpu).padStart(9)}`,
  );
}
await redis.flushdb();
redis.disconnect();
