// The limits bench (issue 15): one topic, produced once, then consumed in each phase by a fresh consumer
// group, and printed side by side. Run with the local stack up:
//   npm run bench:limits -- [changes] [--naive 3000] [--threads 1,2,4] [--flush-rows 20000] [--rounds 1]
//     [--clickhouse-url]
//   (= npx tsx --conditions=source packages/event-bus/bench/limits.ts …)
// `changes` creates go to the topic (default 100,000, plus a delete per 10 creates, as in throughput.ts).
// Phases:
//   (a) bare kafkajs consume-and-discard;                (b) the same plus JSON.parse of each value;
//   (c) the real EventConsumer, ingest stage, decoder and sample listener, in-memory store (no publish);
//   (d) the full pipeline (bench-kit's startPipeline: ClickHouse, metric topic, Redis), in-process, then
//       (d1) (d2) (d4) the same on a worker pool of 1, 2 and 4 threads (`workerThreads`);
//   (e) the naive per-message consumer (one HINCRBY and one single-row insert per change), over the first
//       --naive changes only, since it is slow.
// ClickHouse is embedded chDB in a fresh temp directory, in this process (queries run on the main thread,
// as in throughput.ts), or with --clickhouse-url the stack's ClickHouse server over HTTP (CLICKHOUSE_URL).
// Each phase's window runs from its first consumed record to its last; for (c) and (d) until its group
// committed every source and metric offset, the last partial buffer being flushed as soon as the last
// record was processed (throughput.ts waits for the 1 s flush timer instead). Per phase: changes per wall-second and per main-thread
// CPU-second, main-thread µs per change, event-loop utilisation and whole-process CPU (worker threads,
// chDB and GC helpers included), the main thread's share of system time and its minor page faults per
// change (each a first touch of fresh memory; their price is printed below the table, measured on a fresh
// 64 MiB buffer); then /proc/loadavg before and after, and the ratios.
// --rounds N runs (b) and (c) N times, alternated, after (a). (b) lasts 1-3 s, and its rate moved from 101k to
// 189k changes/s between the rounds of one run here (with the CPU the process's other threads used meanwhile),
// so the ratios take each phase's median over the rounds, and c/b is also given per round.
import { defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import {
  countArg,
  deleteTopics,
  flag,
  PARTITIONS,
  sleep,
  startPipeline,
  untilCaughtUp,
} from './bench-kit.js';
import { openFilledRun } from './bench-run.js';
import {
  type CpuMark,
  costBetween,
  cpuMark,
  loadAverage,
  type PhaseCost,
  pageFaultMicros,
} from './cpu-meter.js';
import { startInMemoryPipeline } from './in-memory-pipeline.js';
import { type ConsumedWindow, consumeAndDiscard, runNaiveConsumer } from './reference-consumers.js';
import { median } from './stats.js';

const creates = countArg(100_000);
const naiveLimit = Number(flag('naive') ?? 3_000);
const poolSizes = (flag('threads') ?? '1,2,4').split(',').map(Number);
const useServer = process.argv.includes('--clickhouse-url');
const FLUSH_INTERVAL_MS = 1_000;
/** Rows per ClickHouse insert in (c) and (d) (the pipelines' `flushRows`). */
const FLUSH_ROWS = Number(flag('flush-rows') ?? 20_000);
const ROUNDS = Math.max(1, Number(flag('rounds') ?? 1));

const loadBefore = loadAverage();
const bench = await openFilledRun('limits', creates, { server: useServer });
const { ctx, topic, data, total, redis, clickhouse, clickhouseLabel } = bench;
const naiveKeys = data.imageIds.map((id) => defaultCacheKeys.key('Image', id));
await redis.del(...naiveKeys);

interface Phase {
  id: string;
  label: string;
  changes: number;
  cost: PhaseCost;
}
const phases: Phase[] = [];
/** Records a phase; `round` (from 1) when (b) and (c) run several times. */
function record(id: string, label: string, w: ConsumedWindow, round?: number): void {
  const shown = round === undefined ? label : `${label}, round ${round}`;
  const phase = { id, label: shown, changes: w.changes, cost: costBetween(w.from, w.to) };
  phases.push(phase);
  const c = phase.cost;
  console.log(
    `  ${id}${round ?? ''} done: ${(phase.changes / c.wallSeconds).toFixed(0)} changes/s, ${c.wallSeconds.toFixed(2)} s, ` +
      `main CPU ${c.mainCpuSeconds.toFixed(2)} s`,
  );
}

/**
 * Waits until every change was processed, flushes the last partial buffer at once (twice: the first may
 * join a flush already running) rather than after the flush timer, then waits until the group committed
 * every source and metric offset.
 */
async function untilDrained(
  bp: { pipeline: { stats: { consumed: number } }; groupId: string; metricTopic: string },
  flush: () => Promise<void>,
): Promise<CpuMark> {
  while (bp.pipeline.stats.consumed < total) await sleep(5);
  await flush();
  await flush();
  await untilCaughtUp(ctx, bp, topic, total, 10);
  return cpuMark();
}

/**
 * The CPU mark at the first processed chunk of a pipeline (polled every 5 ms), with the changes processed
 * by then: they are left out of the window, whose start is after them.
 */
function markAtFirstRecord(stats: { consumed: number }): { mark(): CpuMark; before(): number; stop(): void } {
  const started = cpuMark();
  let first: CpuMark | undefined;
  let consumedBefore = 0;
  const timer = setInterval(() => {
    if (!first && stats.consumed > 0) {
      first = cpuMark();
      consumedBefore = stats.consumed;
    }
  }, 5);
  return { mark: () => first ?? started, before: () => consumedBefore, stop: () => clearInterval(timer) };
}

// (a)
record(
  'a',
  'bare kafkajs consume-and-discard',
  await consumeAndDiscard(ctx, { topic, total, groupId: `bench-limits-a-${ctx.run}` }),
);
// (b) and (c), alternated when there are several rounds
for (let round = 1; round <= ROUNDS; round++) {
  const shown = ROUNDS > 1 ? round : undefined;
  record(
    'b',
    '+ JSON.parse of each value',
    await consumeAndDiscard(ctx, { topic, total, groupId: `bench-limits-b${round}-${ctx.run}`, parse: true }),
    shown,
  );
  const mp = await startInMemoryPipeline(ctx, {
    topic,
    name: `limits-c${round}`,
    flushIntervalMs: FLUSH_INTERVAL_MS,
    flushRows: FLUSH_ROWS,
  });
  const first = markAtFirstRecord(mp.pipeline.stats);
  const to = await untilDrained(mp, mp.flush);
  first.stop();
  record(
    'c',
    'consumer + ingest + decoder + listener, in-memory sinks',
    { changes: total - first.before(), from: first.mark(), to },
    shown,
  );
  await mp.close();
  await deleteTopics(ctx, [mp.metricTopic]);
}

// (d), then the worker pools
for (const threads of [0, ...poolSizes]) {
  const id = threads === 0 ? 'd' : `d${threads}`;
  const bp = await startPipeline(ctx, {
    topic,
    name: `limits-${id}`,
    clickhouse,
    redis,
    flushIntervalMs: FLUSH_INTERVAL_MS,
    flushRows: FLUSH_ROWS,
    workerThreads: threads,
  });
  const first = markAtFirstRecord(bp.pipeline.stats);
  const to = await untilDrained(bp, () => bp.pipeline.ingest.flush());
  first.stop();
  const label = threads === 0 ? 'full pipeline, in-process' : `full pipeline, worker pool of ${threads}`;
  record(id, label, { changes: total - first.before(), from: first.mark(), to });
  await bp.stop();
}

// (e)
record(
  'e',
  `naive per-message consumer (first ${Math.min(naiveLimit, total)})`,
  await runNaiveConsumer(ctx, {
    topic,
    limit: Math.min(naiveLimit, total),
    groupId: `bench-limits-e-${ctx.run}`,
    redis,
    clickhouse,
  }),
);

await redis.del(...naiveKeys);
await bench.close();
const loadAfter = loadAverage();

// The table
/** CPU of this process outside the main thread and the pool: chDB's own threads, GC helpers, libuv. */
const otherCpuSeconds = (p: Phase) =>
  Math.max(0, p.cost.processCpuSeconds - p.cost.mainCpuSeconds - p.cost.poolCpuSeconds);
const rate = (p: Phase) => p.changes / p.cost.wallSeconds;
const cpuRate = (p: Phase) => p.changes / p.cost.mainCpuSeconds;
const rows = phases.map((p) => [
  `(${p.id}) ${p.label}`,
  String(p.changes),
  p.cost.wallSeconds.toFixed(2),
  rate(p).toFixed(0),
  cpuRate(p).toFixed(0),
  ((p.cost.mainCpuSeconds / p.changes) * 1e6).toFixed(1),
  p.cost.poolThreads > 0 ? ((p.cost.poolCpuSeconds / p.changes) * 1e6).toFixed(1) : '-',
  ((otherCpuSeconds(p) / p.changes) * 1e6).toFixed(1),
  p.cost.elu.toFixed(2),
  (p.cost.processCpuSeconds / p.cost.wallSeconds).toFixed(2),
  `${((p.cost.mainSystemSeconds / p.cost.mainCpuSeconds) * 100).toFixed(0)}%`,
  (p.cost.mainFaults / p.changes).toFixed(2),
]);
const header = [
  'phase',
  'changes',
  'wall s',
  'changes/s',
  '/main CPU-s',
  'main µs/chg',
  'pool µs/chg',
  'other µs/chg',
  'ELU',
  'proc cores',
  'main sys',
  'main faults/chg',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(
  `\nlimits bench: ${total} changes, ${PARTITIONS} partitions, ClickHouse: ${clickhouseLabel}, flush every ${FLUSH_INTERVAL_MS} ms or ${FLUSH_ROWS} rows`,
);
console.log(line(header));
for (const r of rows) console.log(line(r));
/** A phase's rates; with several rounds, the median of its rounds' (one per phase otherwise). */
const rates = (id: string) => {
  const runs = phases.filter((p) => p.id === id);
  return { wall: median(runs.map(rate)), cpu: median(runs.map(cpuRate)) };
};
const ratio = (x: string, y: string) => {
  const [px, py] = [rates(x), rates(y)];
  const fmt = (v: number) => (v >= 2 ? `${v.toFixed(1)}x` : `${(v * 100).toFixed(1)}%`);
  return `${x}/${y} ${fmt(px.wall / py.wall)} (per main CPU-s ${fmt(px.cpu / py.cpu)})`;
};
if (ROUNDS > 1) {
  const [bs, cs] = [phases.filter((p) => p.id === 'b'), phases.filter((p) => p.id === 'c')];
  const perRound = bs.map((b, i) => `${((rate(cs[i]!) / rate(b)) * 100).toFixed(1)}%`);
  console.log(`c/b per round: ${perRound.join(' ')}; the ratios below take (b)'s and (c)'s medians`);
}
console.log(`ratios: ${['d/b', 'd/c', 'c/b', 'd/e'].map((r) => ratio(r[0]!, r[2]!)).join(' · ')}`);
console.log('targets (issue 15): d/b >= 25%, c/b >= 40%');
// What 8 cores would give the largest pool's per-change CPU (broker and Redis, other processes, left out):
// the main thread is one core, the pool has the other seven, and the process cannot use more than eight.
const pools = phases.filter((p) => p.cost.poolThreads > 0);
const widest = pools.at(-1);
if (widest) {
  const us = (s: number) => (s / widest.changes) * 1e6;
  const [m, w, o] = [
    us(widest.cost.mainCpuSeconds),
    us(widest.cost.poolCpuSeconds),
    us(otherCpuSeconds(widest)),
  ];
  const bounds = { main: 1e6 / m, pool: 7e6 / w, cores: 8e6 / (m + w + o) };
  const limit = Object.entries(bounds).sort((x, y) => x[1] - y[1])[0]!;
  console.log(
    `8 cores, from (${widest.id}): main ${m.toFixed(1)} + pool ${w.toFixed(1)} + other ${o.toFixed(1)} µs/chg → ` +
      `min(1e6/main ${bounds.main.toFixed(0)}, 7e6/pool ${bounds.pool.toFixed(0)}, 8e6/sum ${bounds.cores.toFixed(0)}) ` +
      `= ${limit[1].toFixed(0)} changes/s (bound: ${limit[0]})`,
  );
  console.log(`pool threads seen per phase: ${pools.map((p) => `${p.id}=${p.cost.poolThreads}`).join(' ')}`);
}
const faultUs = pageFaultMicros();
if (faultUs !== undefined)
  console.log(`a minor page fault costs the main thread ${faultUs.toFixed(2)} µs here (64 MiB touched once)`);
console.log(`load average (1/5/15 min) before: ${loadBefore}, after: ${loadAfter}`);
