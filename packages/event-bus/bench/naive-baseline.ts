// Throughput of a naive per-message consumer against the pipeline, on the same synthetic ImageReaction
// topic in the same run (design target: the pipeline at least 20x the naive consumer). Run with the stack up:
//   npx tsx --conditions=source packages/event-bus/bench/naive-baseline.ts [changes] [--naive N] [--naive-only]
// `changes` creates go to the topic (default 50,000, plus a delete per 10 creates, as in throughput.ts).
// The naive consumer is a kafkajs eachMessage loop (one partition at a time, the default) that, per change,
// parses the Debezium JSON, awaits one HINCRBY on the image's hash and awaits one single-row insert into a
// ClickHouse table shaped like entityMetricEvents (same chDB engine as the pipeline). It is slow, so it is
// timed over the first N changes only (default 3,000). Then the pipeline (bench-kit's startPipeline: the
// settings of throughput.ts) consumes the whole topic; as in throughput.ts its time runs from its first
// consumed record until its group committed every source and metric offset. Image hashes are cached in Redis
// beforehand, so the pipeline's Lua script increments them as the naive HINCRBYs do.
// Prints changes/s of both and the ratio pipeline / naive.
import { Redis } from 'ioredis';
import { defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { prefillRedis, produceAll, syntheticReactions } from '../test/synthetic-reactions.js';
import {
  countArg,
  createSourceTopic,
  deleteTopics,
  flag,
  openBench,
  openPrivateClickHouse,
  PARTITIONS,
  startPipeline,
  untilCaughtUp,
} from './bench-kit.js';
import { costBetween } from './cpu-meter.js';
import { runNaiveConsumer } from './reference-consumers.js';

const changes = countArg(50_000);
const naiveChanges = Number(flag('naive') ?? 3_000);
const naiveOnly = process.argv.includes('--naive-only');

const ctx = await openBench();
const topic = `bench.naive-reactions-${ctx.run}`;
await createSourceTopic(ctx, topic);
const data = syntheticReactions({
  creates: changes,
  deleteEvery: 10,
  images: 1_000,
  users: 500,
  partitions: PARTITIONS,
});
const total = data.messages.length;
await produceAll(ctx.kafka, topic, data.messages);
console.log(`produced ${total} changes to ${topic}`);

const redis = new Redis(ctx.env.REDIS_URL!);
const clickhouse = await openPrivateClickHouse('naive');
await prefillRedis(redis, data, 0);

// 1. Naive: one change at a time, each awaiting its Redis call and its ClickHouse insert.
const naive = await (async () => {
  const limit = Math.min(naiveChanges, total);
  const w = await runNaiveConsumer(ctx, {
    topic,
    limit,
    groupId: `bench-naive-${ctx.run}`,
    redis,
    clickhouse,
  });
  return { changes: limit, rate: w.changes / costBetween(w.from, w.to).wallSeconds };
})();
console.log(
  `naive per-message consumer (HINCRBY + single-row insert per change): ${naive.rate.toFixed(0)} changes/s ` +
    `over the first ${naive.changes} changes`,
);

// 2. The pipeline over the whole topic.
if (!naiveOnly) {
  const bp = await startPipeline(ctx, {
    topic,
    name: 'naive-cmp',
    clickhouse,
    redis,
    flushIntervalMs: 1_000,
  });
  let firstConsumed = 0;
  const watchFirst = setInterval(() => {
    if (firstConsumed === 0 && bp.pipeline.stats.consumed > 0) firstConsumed = performance.now();
  }, 5);
  const ended = await untilCaughtUp(ctx, bp, topic, total);
  clearInterval(watchFirst);
  const piped = total / ((ended - firstConsumed) / 1000);
  const s = bp.pipeline.stats;
  console.log(
    `pipeline (in-process): ${piped.toFixed(0)} changes/s over ${total} changes, ` +
      `${s.metricEventsStored} metric events stored, ${s.cacheEventsApplied} applied, ${s.flushes} flushes`,
  );
  console.log(`ratio pipeline / naive: ${(piped / naive.rate).toFixed(1)}x (target >= 20x)`);
  await bp.pipeline.close();
  await deleteTopics(ctx, [bp.metricTopic, bp.deadLetterTopic]);
}

await redis.del(...data.imageIds.map((id) => defaultCacheKeys.key('Image', id)));
await deleteTopics(ctx, [topic]);
await ctx.admin.disconnect();
redis.disconnect();
await clickhouse.close();
