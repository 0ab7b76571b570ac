// The Redis half of a 100-entity cache miss alone: MetricCacheFills.begin, then commit of computed hashes
// (5 metrics × 5 timeframes and 3 high waters each, as the growth bench's miss writes), with a few recent
// entries per entity to replay. Against the stack's Redis (REDIS_URL, database 13, flushed). Prints the
// median and p99 wall time of a round, and per committed hash this process's CPU and Redis's (`INFO cpu`).
//   npx tsx --conditions=source packages/event-bus/bench/fill-commit.ts [rounds] [--entities 100] [--recent 3]
import { Redis } from 'ioredis';
import { defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { recentEntry, recentKey } from '../src/sinks/redis/hash-layout.js';
import { type FillCommit, MetricCacheFills } from '../src/sinks/redis/metric-cache-fills.js';
import { countArg, flag, redisCpuSeconds } from './bench-kit.js';
import { percentile } from './stats.js';

const rounds = countArg(200);
const entities = Number(flag('entities') ?? 100);
const recentPerEntity = Number(flag('recent') ?? 3);
const METRICS = ['downloadCount', 'likeCount', 'commentCount', 'ratingSum', 'ratingCount'];
const TIMEFRAMES = ['', ':day', ':week', ':month', ':year'];
const ORIGINS = ['bench:0', 'bench:1', 'bench:2'];

const url = process.env.REDIS_URL;
if (!url) throw new Error('REDIS_URL is not set: start the stack and load its stack.env');
const redis = new Redis(url, { db: 13 });
await redis.flushdb();
const fills = new MetricCacheFills(redis);
const keys = Array.from({ length: entities }, (_, i) => defaultCacheKeys.key('Model', 5_000 + i * 10_000));
const now = Date.now();

const commitsOf = (round: number): FillCommit[] =>
  keys.map((key, i) => {
    const values: Record<string, number> = {};
    for (const m of METRICS) for (const tf of TIMEFRAMES) values[`${m}${tf}`] = (i * 31 + round) % 1_000;
    return {
      key,
      atMs: now,
      highWater: Object.fromEntries(ORIGINS.map((o, k) => [o, 1_000 * round + k])),
      values,
    };
  });

const walls: number[] = [];
let cpu = 0;
let redisCpu = 0;
for (let round = 0; round < rounds; round++) {
  // Entries above the fill's high waters (replayed) and below them (dropped), as events still in flight.
  const setup = redis.pipeline();
  for (const key of keys) {
    setup.del(recentKey(key));
    for (let r = 0; r < recentPerEntity; r++)
      setup.rpush(recentKey(key), recentEntry(ORIGINS[r % 3]!, 1_000 * round + r - 1, 'likeCount', now, 1));
  }
  await setup.exec();
  const commits = commitsOf(round);
  const redisBefore = await redisCpuSeconds(redis);
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  const claims = await fills.begin(keys, `t${round}`);
  if (!claims.every((c) => c.taken)) throw new Error('a claim was not taken');
  const done = await fills.commit(commits, `t${round}`, 3_600);
  const wall = performance.now() - t0;
  const used = process.cpuUsage(cpuBefore);
  redisCpu += (await redisCpuSeconds(redis)) - redisBefore;
  if (!done.every((d) => d.written)) throw new Error('a commit was not written');
  if (round >= 10) {
    walls.push(wall);
    cpu += (used.user + used.system) / 1e6;
  } else redisCpu = 0; // warm-up rounds
}
const perHash = (s: number) => ((s * 1e6) / (walls.length * entities)).toFixed(1);
console.log(
  `${entities} entities, ${walls.length} rounds: begin + commit p50 ${percentile(walls, 50).toFixed(2)} ms, p99 ${percentile(walls, 99).toFixed(2)} ms; ` +
    `per hash: this process ${perHash(cpu)} µs CPU, Redis ${perHash(redisCpu)} µs CPU`,
);
await redis.flushdb();
redis.disconnect();
