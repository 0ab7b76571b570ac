// The limits bench's phase (c) alone (bench/in-memory-pipeline.ts: the real consumer, ingest stage, decoder
// and sample listener, in-memory sinks), to profile it or to compare a change to it in short alternated runs.
// Run with the local stack up:
//   npx tsx --conditions=source packages/event-bus/bench/phase-c.ts [changes] [--alloc]
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --conditions=source --import tsx packages/event-bus/bench/phase-c.ts
//   npx tsx packages/event-bus/bench/profile-summary.ts /tmp/prof --from decodeDebezium
// Prints the wall time and the process's CPU time from the pipeline's start until every change was processed
// and the last buffer flushed (the consumer's join included, so compare runs of this bench with each other).
// --alloc also samples what the phase allocates (V8's sampling heap profiler, collected objects included) and
// prints the functions that allocated most: with the collector at a third of (c), where its work comes from.
import { Session } from 'node:inspector/promises';
import { countArg, deleteTopics, sleep } from './bench-kit.js';
import { openFilledRun } from './bench-run.js';
import { startInMemoryPipeline } from './in-memory-pipeline.js';

interface SamplingNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: SamplingNode[];
}

const ALLOC = process.argv.includes('--alloc');
const bench = await openFilledRun('phase-c', countArg(100_000));
const { ctx, topic, total } = bench;
const heap = ALLOC ? new Session() : undefined;
if (heap) {
  heap.connect();
  await heap.post('HeapProfiler.startSampling', {
    samplingInterval: 32_768,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
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
if (heap) {
  const { profile } = await heap.post('HeapProfiler.stopSampling');
  printAllocations(profile.head as SamplingNode);
  heap.disconnect();
}
await mp.close();
await deleteTopics(ctx, [mp.metricTopic]);
await bench.close();

/** Sampled bytes allocated per function (its own allocations, not its callees'), per change. */
function printAllocations(root: SamplingNode): void {
  const bytes = new Map<string, number>();
  let all = 0;
  const visit = (node: SamplingNode) => {
    const { functionName, url } = node.callFrame;
    const name = `${functionName || '(anonymous)'}  ${url.split('/').slice(-2).join('/')}`;
    bytes.set(name, (bytes.get(name) ?? 0) + node.selfSize);
    all += node.selfSize;
    for (const child of node.children) visit(child);
  };
  visit(root);
  console.log(`allocated (sampled): ${(all / total).toFixed(0)} bytes per change; top functions:`);
  for (const [name, n] of [...bytes].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    console.log(
      `${(n / total).toFixed(0).padStart(7)} B/change ${((100 * n) / all).toFixed(1).padStart(5)}%  ${name}`,
    );
  }
}
