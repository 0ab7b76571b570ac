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
import { defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { prefillRedis } from '../test/synthetic-reactions.js';
import { catchUpRate, countArg, flag, startPipeline } from './bench-kit.js';
import { openFilledRun } from './bench-run.js';
import { costBetween } from './cpu-meter.js';
import { runNaiveConsumer } from './reference-consumers.js';

const changes = countArg(50_000);
const naiveChanges = Number(flag('naive') ?? 3_000);
const naiveOnly = process.argv.includes('--naive-only');

const bench = await openFilledRun('naive', changes);
const { ctx, topic, data, total, redis, clickhouse } = bench;
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
  const piped = await catchUpRate(ctx, bp, topic, total);
  const s = bp.pipeline.stats;
  console.log(
    `pipeline (in-process): ${piped.toFixed(0)} changes/s over ${total} changes, ` +
      `${s.metricEventsStored} metric events stored, ${s.cacheEventsApplied} applied, ${s.flushes} flushes`,
  );
  console.log(`ratio pipeline / naive: ${(piped / naive.rate).toFixed(1)}x (target >= 20x)`);
  await bp.stop();
}

await redis.del(...data.imageIds.map((id) => defaultCacheKeys.key('Image', id)));
await bench.close();
