// Throughput of the event pipeline against a bare kafkajs consume-and-discard loop on the same topic, in
// the same run. Run with the local stack up:
//   npm run stack -- up && npx tsx --conditions=source packages/event-bus/bench/throughput.ts [changes]
// Prints changes/s for both and the ratio. The pipeline runs in-process (listeners on the main thread), or
// on N worker threads with --threads N. Add --timeline for the pipeline's progress every 250 ms.
import { catchUpRate, countArg, flag, startPipeline } from './bench-kit.js';
import { openFilledRun } from './bench-run.js';
import { costBetween } from './cpu-meter.js';
import { consumeAndDiscard } from './reference-consumers.js';

const changes = countArg(100_000);
// --threads N: run decoding and listeners on a pool of N worker threads instead of the main thread.
const threads = Number(flag('threads') ?? 0);
const bench = await openFilledRun('throughput', changes);
const { ctx, topic, total } = bench;

// 1. Bare kafkajs: consume and discard, no commits.
const bare = await (async () => {
  const w = await consumeAndDiscard(ctx, {
    topic,
    total,
    groupId: `bench-bare-${ctx.run}`,
  });
  return w.changes / costBetween(w.from, w.to).wallSeconds;
})();
console.log(`bare kafkajs consume-and-discard: ${bare.toFixed(0)} changes/s`);

// 2. The pipeline: decode, listeners, ClickHouse (chDB), publish, Redis increments, commits.
const started = performance.now();
const bp = await startPipeline(ctx, {
  topic,
  name: 'pipeline',
  clickhouse: bench.clickhouse,
  redis: bench.redis,
  flushIntervalMs: 1_000,
  workerThreads: threads,
});
const { pipeline } = bp;
const timeline = process.argv.includes('--timeline')
  ? setInterval(() => {
      const s = pipeline.stats;
      console.log(
        `  t=${((performance.now() - started) / 1000).toFixed(1)}s consumed=${s.consumed} stored=${s.metricEventsStored} ` +
          `applied=${s.cacheEventsApplied} buffered=${pipeline.ingest.bufferedRows} paused=${pipeline.consumerState.paused}`,
      );
    }, 250)
  : undefined;
const piped = await catchUpRate(ctx, bp, topic, total);
clearInterval(timeline);
console.log(
  `pipeline (${threads > 0 ? `${threads} worker threads` : 'in-process'}): ${piped.toFixed(0)} changes/s, ${pipeline.stats.metricEventsStored} metric events stored, ` +
    `${pipeline.stats.cacheEventsApplied} applied to the cache, ${pipeline.stats.flushes} flushes`,
);
console.log(`ratio pipeline / bare kafkajs: ${((piped / bare) * 100).toFixed(0)}%`);
console.log(`heap used at the end: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`);
await bp.stop();
await bench.close();
