// Latency from Kafka append to Redis increment at half the maximum rate (design target: p99 <= 100 ms).
// Run with the stack up:
//   npx tsx --conditions=source packages/event-bus/bench/latency.ts [--max-rate N] [--seconds 40]
//     [--flush 1000,200,50] [--flush-rows 20000] [--warmup 5] [--probe 50000] [--clickhouse-url] [--timeline]
//     [--slice 5000] [--hops] [--inline-producer] [--cache-shards 16] [--no-merges] [--threads 0] [--runs 1]
// --timeline also prints p50/p99/max per slice of append time (--slice ms), the event loop's stalls over 30 ms
// and when each ClickHouse flush ended, and the engine's active parts every 2 s. --no-merges stops the embedded
// engine's background merges for each run (SYSTEM STOP MERGES), to see what they add to the tail (refused with
// --clickhouse-url: it would stop the shared server's merges). --hops splits each measured change's latency
// in two, at the moment the host sent its metric events to the metric topic (append → published → in Redis).
// --runs N repeats each flush interval's run N times, each on a fresh topic and pipeline, and then prints every
// run's p99, their median and the p50/p99 of all the runs' changes pooled: one run's p99 moved from 109 to 709 ms
// between two runs of one command (docs/performance-history.md, "Twelfth session", 2026-12-02), so a target is
// judged on several: docs/performance.md reads the pooled p99, which keeps a bad stretch that the median of the
// runs would leave out.
// Each run also prints the pipeline's Redis calls per 1,000 changes by command (apply scripts, HMGETs,
// pipelines, trims): how many a change costs depends on the batch sizes, which follow how fast the metric
// topic's loop turns.
// --threads N: a worker pool of N threads (the host's `workers`) for the probe and the runs; default 0. The
// runs keep the cache apply on the main thread (its end is observed on this process's client), unless
// --pool-apply: then pool threads apply large metric batches (`poolMetricMinBytes`) on their own connections,
// as the host does, and a change's end is seen by watching the watermark hashes (--watch-marks, below).
// --watch-marks: see a change's end from a thread that watches the cache's watermark hashes
// (bench/watermark-watch.ts) instead of on the pipeline's Redis client; --pool-apply implies it.
// --cache-shards N: the cache's shard count (the host's redis.cacheShards; default 16): one apply script per
// shard and batch.
// ClickHouse is embedded chDB in a fresh temp directory in this process (inserts run on the event loop that
// also applies increments), or with --clickhouse-url the stack's ClickHouse server over HTTP (CLICKHOUSE_URL),
// as a production host would use it.
// Without --max-rate, a throughput run first measures the pipeline's maximum rate as bench/throughput.ts
// does (--probe creates, flushIntervalMs 1000, flushRows 20000). Then, for each flush interval, a fresh
// pipeline (flushRows --flush-rows, the given flushIntervalMs) consumes a fresh topic while a thread of this
// process produces ImageReaction changes at a steady half rate for --seconds (bench/steady-producer.ts; with
// --inline-producer the host's own event loop produces them, as before 2026-12-03, which adds the encoding
// and sending of every source record to the loop under measurement). At half rate the sample plugin makes ~20k
// metric events a second on a quiet machine, so for the plan's 30 s flush pass `--flush 30000 --flush-rows 2000000` (the row
// bound would otherwise flush about every second). Image hashes are cached in Redis beforehand, so
// the increments are real HINCRBYs. Prints p50, p90, p99 and max latency, and the rate achieved.
//
// How a change's latency is measured:
// - Start: the source topic uses message.timestamp.type=LogAppendTime, so the broker stamps each record with
//   the time it appended it and returns that time in the produce response (per partition and request, with
//   the request's base offset), which gives the append time of every offset without a second consumer. The
//   broker runs on this machine, so its clock is this process's clock (millisecond resolution).
// - End: the Redis client is wrapped (as test/crash-child.ts does) so every successful call of the cache
//   sink's apply script is seen when its reply arrives (with --watch-marks: the same watermarks, read by the
//   watching thread when Redis announces a write to one of their hashes). The script advances, atomically
//   with the increments, a watermark per origin (source topic:partition) to the highest originSeq it applied,
//   and passes the watermarks in its ARGV. originSeq = source offset * 1000 + index of the event within its change, and the
//   sample listener emits exactly 3 events per change, so once an origin's watermark reaches
//   offset * 1000 + 2 every metric event of that change is in Redis. That moment minus the append time is
//   the change's latency. Changes appended during the first --warmup seconds are left out.

import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import { cacheWatermarkKey, createCacheKeys, defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { prefillRedis, produceAll } from '../test/synthetic-reactions.js';
import {
  type BenchContext,
  benchReactions,
  catchUpRate,
  createSourceTopic,
  deleteTopics,
  flag,
  openBench,
  PARTITIONS,
  startPipeline,
  untilCaughtUp,
} from './bench-kit.js';
import { openBenchSinks } from './bench-run.js';
import { median, nearestRank } from './stats.js';
import { appendSteadily, Outbox } from './steady-producer.js';
import { watchWatermarks } from './watermark-watch.js';

const EVENTS_PER_CHANGE = 3;
const seconds = Number(flag('seconds') ?? 40);
const warmupSeconds = Number(flag('warmup') ?? 5);
const flushIntervals = (flag('flush') ?? '1000,200,50').split(',').map(Number);
const runs = Number(flag('runs') ?? 1);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs must be a whole number of at least 1, not ${flag('runs')}`);
const probeCreates = Number(flag('probe') ?? 50_000);
const flushRows = Number(flag('flush-rows') ?? 20_000);
const sliceMs = Number(flag('slice') ?? 5_000);
const hops = process.argv.includes('--hops');
const chunkSize = flag('chunk') ? Number(flag('chunk')) : undefined;
const workerThreads = Number(flag('threads') ?? 0);
const inlineProducer = process.argv.includes('--inline-producer');
const timeline = process.argv.includes('--timeline');
const noMerges = process.argv.includes('--no-merges');
const server = process.argv.includes('--clickhouse-url');
const poolApply = process.argv.includes('--pool-apply');
const watchMarks = poolApply || process.argv.includes('--watch-marks');
if (noMerges && server) {
  throw new Error("--no-merges is for the embedded engine only: it would stop the shared server's merges");
}
const cacheKeys = flag('cache-shards') ? createCacheKeys(Number(flag('cache-shards'))) : defaultCacheKeys;

const ctx = await openBench();
const sinks = await openBenchSinks(ctx, 'latency', { server });
const { redis: redisClient, clickhouse } = sinks;
console.log(`ClickHouse: ${sinks.clickhouseLabel}`);

/** Called after each successful apply-script call with the watermarks it set (origin → originSeq). */
let onApplied: (at: number, watermarks: Map<string, number>) => void = () => undefined;
/** The pipeline's Redis commands by name (a pipeline counts once, as `pipeline`), reset per steady run. */
const redisCalls = new Map<string, number>();
const counted = new Set([
  'eventBusApplyEvents',
  'hmget',
  'pipeline',
  'eventBusRecordStored',
  'eventBusTrimRecent',
]);
const redis = new Proxy(redisClient, {
  get(target, prop) {
    const value = Reflect.get(target, prop, target);
    if (typeof value !== 'function') return value;
    if (typeof prop === 'string' && counted.has(prop)) redisCalls.set(prop, (redisCalls.get(prop) ?? 0) + 1);
    if (prop !== 'eventBusApplyEvents') return value.bind(target);
    return async (numKeys: number, keysAndArgs: (string | number)[]) => {
      const reply = (await value.call(target, numKeys, keysAndArgs)) as number[];
      // -1 / -2: refused (a watermark moved, a hash came alive); the sink reads again and retries.
      if (reply[0] === -1 || reply[0] === -2) return reply;
      if (watchMarks) return reply;
      const at = Date.now();
      // ARGV: the metric-topic position (field, expected, next), the origin count, then (origin, expected
      // watermark, new watermark) per origin, then the events.
      const argv = keysAndArgs.slice(numKeys);
      const marks = new Map<string, number>();
      for (let i = 0, a = 4; i < Number(argv[3]); i++, a += 3)
        marks.set(String(argv[a]), Number(argv[a + 2]));
      onApplied(at, marks);
      return reply;
    };
  },
}) as Redis;

async function maxRate(): Promise<number> {
  const topic = `bench.latency-probe-${ctx.run}`;
  await createSourceTopic(ctx, topic);
  const data = benchReactions(probeCreates);
  await prefillRedis(redisClient, data, 0, cacheKeys);
  await produceAll(ctx.kafka, topic, data.messages);
  const bp = await startPipeline(ctx, {
    topic,
    name: 'probe',
    clickhouse,
    redis,
    flushIntervalMs: 1_000,
    cacheKeys,
    workerThreads,
  });
  const rate = await catchUpRate(ctx, bp, topic, data.messages.length);
  await bp.stop();
  await deleteTopics(ctx, [topic]);
  await redisClient.del(...data.imageIds.map((id) => cacheKeys.key('Image', id)));
  return rate;
}

/** The run's changes, made up front: with the Image hashes they touch cached, as the run's increments need. */
async function outboxFor(rate: number): Promise<{ outbox: Outbox; imageIds: number[] }> {
  const data = benchReactions(Math.ceil((rate * seconds) / 1.1) + 100);
  await prefillRedis(redisClient, data, 0, cacheKeys);
  const total = Math.min(data.messages.length, Math.floor(rate * seconds));
  return { outbox: Outbox.of(data.messages.slice(0, total)), imageIds: data.imageIds };
}

/** One steady run (the `round`-th of its flush interval); returns its measured latencies, sorted. */
async function steadyRun(
  ctx: BenchContext,
  rate: number,
  flushIntervalMs: number,
  round: number,
): Promise<Float64Array> {
  const suffix = round > 0 ? `-r${round}` : '';
  const topic = `bench.latency-${flushIntervalMs}ms${suffix}-${ctx.run}`;
  await createSourceTopic(ctx, topic, { logAppendTime: true });
  const { outbox, imageIds } = await outboxFor(rate);
  const total = outbox.length;

  // Append time per partition and offset; the next offset per partition whose change is not yet applied.
  const appendedAt: number[][] = Array.from({ length: PARTITIONS }, () => []);
  const nextOffset = new Array<number>(PARTITIONS).fill(0);
  const latencies: number[] = [];
  const samples: [appended: number, latency: number][] = [];
  const appliedAt: number[][] = Array.from({ length: PARTITIONS }, () => []);
  let measureFrom = Number.POSITIVE_INFINITY;
  onApplied = (at, marks) => {
    for (const [origin, seq] of marks) {
      const colon = origin.lastIndexOf(':');
      if (origin.slice(0, colon) !== topic) continue;
      const p = Number(origin.slice(colon + 1));
      const times = appendedAt[p]!;
      while (nextOffset[p]! * 1_000 + EVENTS_PER_CHANGE - 1 <= seq) {
        const appended = times[nextOffset[p]!];
        // Applied before its produce response was read (never seen: a flush takes longer): counted at the
        // partition's next apply, so such a change would be measured as slower than it was, not faster.
        if (appended === undefined) break;
        if (appended >= measureFrom) {
          latencies.push(at - appended);
          samples.push([appended, at - appended]);
          if (hops) appliedAt[p]![nextOffset[p]!] = at;
        }
        nextOffset[p]!++;
      }
    }
  };

  redisCalls.clear();
  const name = `lat${flushIntervalMs}${suffix}`;
  // The pipeline's cache scope (startPipeline): the watermark hashes to watch.
  const watch = watchMarks
    ? await watchWatermarks(
        redisClient,
        { redisUrl: ctx.env.REDIS_URL!, baseKey: cacheWatermarkKey(`${name}-${ctx.run}`), topic },
        (at, marks) => onApplied(at, marks),
      )
    : undefined;
  const bp = await startPipeline(ctx, {
    topic,
    name,
    clickhouse,
    redis,
    flushIntervalMs,
    flushRows,
    ...(chunkSize ? { chunkSize } : {}),
    cacheKeys,
    workerThreads,
    // Without --pool-apply, pool threads (whose connections are their own) must not apply: a change's end is
    // seen on this process's Redis client unless the watermarks are watched. (At half the maximum rate few
    // batches are large enough for them anyway.)
    poolApply,
  });
  while (!bp.pipeline.consumerState.joined) await new Promise((r) => setTimeout(r, 50));
  if (noMerges) await stopMerges(clickhouse);
  // With --timeline: the engine's active parts (all MergeTree tables) every 2 s, to place its merges.
  const parts: string[] = [];
  const partsWatch = timeline
    ? setInterval(() => {
        const at = ((Date.now() - started) / 1_000).toFixed(0);
        void activeParts(clickhouse).then((n) => parts.push(`${at}:${n}`));
      }, 2_000)
    : undefined;

  const flushEnds: number[] = [];
  let flushesSeen = 0;
  const flushWatch = setInterval(() => {
    if (bp.pipeline.stats.flushes > flushesSeen) {
      flushesSeen = bp.pipeline.stats.flushes;
      flushEnds.push(Date.now());
    }
  }, 20);
  // Event-loop stalls: a 10 ms timer that fires more than 30 ms late, as (s after the first send, ms late).
  const stalls: string[] = [];
  let lastTick = Date.now();
  let started = Date.now();
  const stallWatch = setInterval(() => {
    const now = Date.now();
    if (now - lastTick > 40) stalls.push(`${((now - started) / 1_000).toFixed(2)}:${now - lastTick - 10}`);
    lastTick = now;
  }, 10);
  const production = await appendSteadily(
    outbox,
    { brokers: ctx.brokers, topic, rate, partitions: PARTITIONS, inline: inlineProducer },
    (at) => {
      started = at;
      measureFrom = at + warmupSeconds * 1_000;
    },
    (batch) => {
      for (const a of batch) {
        const times = appendedAt[a.partition]!;
        for (let i = 0; i < a.count; i++) times[a.baseOffset + i] = a.at;
      }
    },
  );
  const produceSeconds = (production.ended - started) / 1_000;
  const appendTimeMissing = production.missing;
  await untilCaughtUp(ctx, bp, topic, total);
  clearInterval(flushWatch);
  clearInterval(stallWatch);
  clearInterval(partsWatch);
  const published = hops ? await publishTimes(ctx, bp.metricTopic, topic) : undefined;
  const s = bp.pipeline.stats;
  await bp.stop();
  await watch?.stop();
  await deleteTopics(ctx, [topic]);
  await redisClient.del(...imageIds.map((id) => cacheKeys.key('Image', id)));

  const sorted = Float64Array.from(latencies).sort();
  const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
  console.log(
    `flushIntervalMs=${flushIntervalMs} flushRows=${flushRows}: ${total} changes at ${(total / produceSeconds).toFixed(0)} changes/s ` +
      `(target ${rate.toFixed(0)}) for ${produceSeconds.toFixed(1)} s, ${sorted.length} measured after ${warmupSeconds} s warm-up; ` +
      `p50 ${fmt(nearestRank(sorted, 50))}, p90 ${fmt(nearestRank(sorted, 90))}, p99 ${fmt(nearestRank(sorted, 99))}, ` +
      `max ${fmt(sorted[sorted.length - 1]!)}; ${s.flushes} flushes` +
      (appendTimeMissing > 0
        ? `; ${appendTimeMissing} responses without LogAppendTime (send time used)`
        : ''),
  );
  console.log(
    `  Redis calls per 1,000 changes: ${[...redisCalls].map(([name, n]) => `${name} ${((n * 1_000) / total).toFixed(0)}`).join(', ')}`,
  );
  if (published) printHops(appendedAt, published, appliedAt);
  if (timeline) {
    const slices = new Map<number, number[]>();
    for (const [appended, latency] of samples) {
      const slice = Math.floor((appended - started) / sliceMs);
      const values = slices.get(slice);
      if (values) values.push(latency);
      else slices.set(slice, [latency]);
    }
    for (const [slice, values] of [...slices].sort((a, b) => a[0] - b[0])) {
      const v = Float64Array.from(values).sort();
      console.log(
        `  appended ${(slice * sliceMs) / 1_000}-${((slice + 1) * sliceMs) / 1_000} s: ${v.length} changes, p50 ${fmt(nearestRank(v, 50))}, p99 ${fmt(nearestRank(v, 99))}, max ${fmt(v[v.length - 1]!)}`,
      );
    }
    console.log(`  event-loop stalls over 30 ms (s:ms late): ${stalls.join(' ') || 'none'}`);
    console.log(`  active parts (s:parts): ${parts.join(' ')}`);
    console.log(
      `  flushes ended at ${flushEnds.map((t) => `${((t - started) / 1_000).toFixed(1)} s`).join(', ')}`,
    );
  }
  return sorted;
}

/** The runs of one flush interval: each run's p99, their median, and all their changes pooled. */
function printRuns(flushIntervalMs: number, results: Float64Array[]): void {
  const p99s = results.map((r) => nearestRank(r, 99));
  const pooled = new Float64Array(results.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of results) {
    pooled.set(r, at);
    at += r.length;
  }
  pooled.sort();
  console.log(
    `${results.length} runs of flushIntervalMs=${flushIntervalMs}: p99 ${p99s.map((v) => v.toFixed(0)).join(', ')} ms ` +
      `(median ${median(p99s).toFixed(0)} ms); ${pooled.length} changes pooled: p50 ${nearestRank(pooled, 50).toFixed(0)} ms, ` +
      `p99 ${nearestRank(pooled, 99).toFixed(0)} ms`,
  );
}

/** Stops the embedded engine's background merges on every MergeTree table, for this run's pipeline. */
async function stopMerges(clickhouse: ClickHouseClient): Promise<void> {
  const tables = await (
    await clickhouse.query({
      query: "SELECT database || '.' || name AS t FROM system.tables WHERE engine LIKE '%MergeTree'",
      format: 'JSONEachRow',
    })
  ).json<{ t: string }>();
  for (const { t } of tables) await clickhouse.command({ query: `SYSTEM STOP MERGES ${t}` });
}

async function activeParts(clickhouse: ClickHouseClient): Promise<number> {
  const rows = await (
    await clickhouse.query({
      query: 'SELECT count() AS n FROM system.parts WHERE active',
      format: 'JSONEachRow',
    })
  ).json<{ n: string | number }>();
  return Number(rows[0]?.n ?? 0);
}

/**
 * When the host published each change's metric events: per source partition and offset, the time of the
 * metric-topic message that carried its last event (the message's CreateTime, which the host's producer sets
 * as it sends). Read back from the metric topic once the run has caught up.
 */
async function publishTimes(
  ctx: BenchContext,
  metricTopic: string,
  sourceTopic: string,
): Promise<number[][]> {
  const out: number[][] = Array.from({ length: PARTITIONS }, () => []);
  const ends = await ctx.admin.fetchTopicOffsets(metricTopic);
  const remaining = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  for (const [p, high] of remaining) if (high === 0) remaining.delete(p);
  const consumer = ctx.kafka.consumer({ groupId: `bench.hops-${ctx.run}-${metricTopic}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [metricTopic], fromBeginning: true });
  // The row's origin is `<source topic>:<partition>`: the text up to the partition.
  const prefix = `"origin":${JSON.stringify(sourceTopic).slice(0, -1)}:`;
  await new Promise<void>((done) => {
    if (remaining.size === 0) return done();
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const at = Number(message.timestamp);
        for (const line of message.value!.toString().split('\n')) {
          if (!line.includes(prefix)) continue;
          const row = JSON.parse(line) as { origin: string; originSeq: number | string };
          const p = Number(row.origin.slice(row.origin.lastIndexOf(':') + 1));
          const offset = Math.floor(Number(row.originSeq) / 1_000);
          out[p]![offset] = Math.max(out[p]![offset] ?? 0, at);
        }
        if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.delete(partition);
        if (remaining.size === 0) done();
      },
    });
  });
  await consumer.disconnect();
  return out;
}

/** p50 / p99 / max of each hop of the measured changes: append → published, published → in Redis. */
function printHops(appendedAt: number[][], published: number[][], appliedAt: number[][]): void {
  const toPublish: number[] = [];
  const toRedis: number[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    appliedAt[p]!.forEach((applied, offset) => {
      const at = published[p]![offset];
      if (at === undefined) return;
      toPublish.push(at - appendedAt[p]![offset]!);
      toRedis.push(applied - at);
    });
  }
  const line = (name: string, values: number[]) => {
    const v = Float64Array.from(values).sort();
    return `${name} p50 ${nearestRank(v, 50).toFixed(0)} / p99 ${nearestRank(v, 99).toFixed(0)} / max ${v[v.length - 1]!.toFixed(0)} ms`;
  };
  console.log(
    `  hops of ${toPublish.length} changes: ${line('append → published', toPublish)}; ${line('published → in Redis', toRedis)}`,
  );
}

const givenRate = flag('max-rate');
const max = givenRate ? Number(givenRate) : await maxRate();
console.log(
  `max rate: ${max.toFixed(0)} changes/s (${givenRate ? 'given' : `measured over ${probeCreates} creates`})`,
);
for (const interval of flushIntervals) {
  const results: Float64Array[] = [];
  for (let round = 0; round < runs; round++) results.push(await steadyRun(ctx, max / 2, interval, round));
  if (runs > 1) printRuns(interval, results);
}

await ctx.admin.disconnect();
redisClient.disconnect();
await clickhouse.close();
