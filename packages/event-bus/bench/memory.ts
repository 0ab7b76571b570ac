// Memory of the pipeline over many changes (design target: flat over 10 million events). Run with the stack up:
//   node --expose-gc --conditions=source --import tsx packages/event-bus/bench/memory.ts [changes]
//     [--every 5] [--ahead 200000]
// Streams `changes` ImageReaction changes (default 2,000,000; a delete per 10 creates, 3 metric events each)
// through the pipeline (flushIntervalMs 1000, flushRows 20000, as bench/throughput.ts) while producing them
// from this process: the producer generates them in chunks of 11,000 with test/synthetic-reactions.ts (fresh
// ids and LSNs per chunk) and stays at most --ahead changes ahead of what the pipeline consumed, so the bench process
// never holds the whole data set. Every --every seconds it forces a GC and samples process.memoryUsage().
// Prints a table of changes processed vs heapUsed/rss, and the least-squares slope of heapUsed over the
// second half of the run in bytes per 100k changes. The samples include the producer's own chunk in flight.
// Image hashes are not cached in Redis here, so the apply script only advances its watermarks.
import { benchReactions, countArg, flag, sleep, startPipeline, untilCaughtUp } from './bench-kit.js';
import { openBenchRun } from './bench-run.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run node with --expose-gc (see the header of this file)');
const changes = countArg(2_000_000);
const everyMs = Number(flag('every') ?? 5) * 1_000;
const ahead = Number(flag('ahead') ?? 200_000);
const MB = 2 ** 20;

const bench = await openBenchRun('memory');
const { ctx, topic, clickhouse, redis } = bench;
const bp = await startPipeline(ctx, { topic, name: 'memory', clickhouse, redis, flushIntervalMs: 1_000 });
const { stats } = bp.pipeline;

const producing = (async () => {
  const producer = ctx.kafka.producer();
  await producer.connect();
  let produced = 0;
  let lsn: number | undefined;
  while (produced < changes) {
    while (produced - stats.consumed > ahead) await sleep(50);
    // Each chunk continues the last one's LSNs: repeated positions would be dropped as re-sends.
    const data = benchReactions(10_000, lsn);
    lsn = data.nextLsn;
    const chunk = data.messages.slice(0, changes - produced);
    for (let i = 0; i < chunk.length; i += 2_000) {
      await producer.send({ topic, acks: -1, messages: chunk.slice(i, i + 2_000) });
    }
    produced += chunk.length;
  }
  await producer.disconnect();
})();

interface Sample {
  seconds: number;
  consumed: number;
  heapUsed: number;
  rss: number;
}
const samples: Sample[] = [];
const started = performance.now();
const sample = () => {
  gc();
  const m = process.memoryUsage();
  const s = {
    seconds: (performance.now() - started) / 1_000,
    consumed: stats.consumed,
    heapUsed: m.heapUsed,
    rss: m.rss,
  };
  samples.push(s);
  console.log(
    `${s.seconds.toFixed(0).padStart(7)} s ${String(s.consumed).padStart(11)} changes ` +
      `heapUsed ${(s.heapUsed / MB).toFixed(1).padStart(7)} MB  rss ${(s.rss / MB).toFixed(0).padStart(6)} MB  ` +
      `buffered ${bp.pipeline.ingest.bufferedRows}`,
  );
};
console.log('   time     processed             heapUsed              rss');
const timer = setInterval(sample, everyMs);
await producing;
const ended = await untilCaughtUp(ctx, bp, topic, changes, 500);
clearInterval(timer);
sample();
const seconds = (ended - started) / 1_000;
console.log(
  `${changes} changes (${stats.metricEventsStored} metric events stored, ${stats.cacheEventsApplied} applied) ` +
    `in ${seconds.toFixed(0)} s: ${(changes / seconds).toFixed(0)} changes/s, ${stats.flushes} flushes`,
);
// Three metric events per change (sample listener): fewer means changes were dropped (as re-sends, say),
// and the figures above would be of the drop path, not the pipeline.
const dropped = stats.metricEventsStored < changes * 3;
if (dropped) {
  console.log(`VOID RUN: ${stats.metricEventsStored} metric events stored, expected ${changes * 3}`);
}

// Least squares of heapUsed over changes processed, on the samples of the second half taken while changes
// were still streaming in (once all are consumed the ingest buffer is empty and the heap drops, which would
// bias the slope down).
const half = samples.filter((s) => s.consumed >= changes / 2 && s.consumed < changes);
const slope = (key: 'heapUsed' | 'rss') => {
  const n = half.length;
  const mx = half.reduce((a, s) => a + s.consumed, 0) / n;
  const my = half.reduce((a, s) => a + s[key], 0) / n;
  const sxy = half.reduce((a, s) => a + (s.consumed - mx) * (s[key] - my), 0);
  const sxx = half.reduce((a, s) => a + (s.consumed - mx) ** 2, 0);
  return (sxy / sxx) * 100_000;
};
if (half.length >= 3) {
  console.log(
    `second half (${half.length} samples): heapUsed slope ${slope('heapUsed').toFixed(0)} bytes per 100k changes, ` +
      `rss slope ${(slope('rss') / 1024).toFixed(0)} KiB per 100k changes`,
  );
} else {
  console.log('too few samples in the second half for a slope: run more changes or sample more often');
}

await bp.stop();
await bench.close();
if (dropped) process.exitCode = 1;
