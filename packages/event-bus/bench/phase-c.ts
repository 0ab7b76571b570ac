// The limits bench's phase (c) alone (bench/in-memory-pipeline.ts: the real consumer, ingest stage, decoder
// and sample listener, in-memory sinks), to profile it or to compare a change to it in short alternated runs.
// Run with the local stack up:
//   npx tsx --conditions=source packages/event-bus/bench/phase-c.ts [changes]
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --conditions=source --import tsx packages/event-bus/bench/phase-c.ts
//   npx tsx packages/event-bus/bench/profile-summary.ts /tmp/prof --from decodeDebezium
// Prints the wall time and the process's CPU time from the pipeline's start until every change was processed
// and the last buffer flushed (the consumer's join included, so compare runs of this bench with each other).
import { countArg, deleteTopics, sleep } from './bench-kit.js';
import { openFilledRun } from './bench-run.js';
import { startInMemoryPipeline } from './in-memory-pipeline.js';

const bench = await openFilledRun('phase-c', countArg(100_000));
const { ctx, topic, total } = bench;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const mp = await startInMemoryPipeline(ctx, {
  topic,
  name: 'phase-c',
  flushIntervalMs: 1_000,
  flushRows: 20_000,
});
while (mp.pipeline.stats.consumed < total) await sleep(5);
await mp.flush();
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - t0;
console.log(
  `phase (c): ${total} changes in ${wallMs.toFixed(0)} ms (${((wallMs * 1000) / total).toFixed(1)} µs per change), ` +
    `process CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, ${mp.store.inserts.flat().length} metric events stored`,
);
await mp.close();
await deleteTopics(ctx, [mp.metricTopic]);
await bench.close();
