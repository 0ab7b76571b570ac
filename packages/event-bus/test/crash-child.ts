// The consuming process of the crash test: builds the whole pipeline on the stack and reports progress on
// stdout as JSON lines, so the test can SIGKILL it at chosen points. Run with
//   node --conditions=source --import tsx packages/event-bus/test/crash-child.ts
// and configured through the CRASH_* environment variables below (the test passes its own environment on,
// so `CRASH_WORKER_THREADS=2 npx vitest run …crash…` runs it on a worker pool). SIGTERM closes it gracefully.

import type { CommandParams } from '@clickhouse/client';
import type { Logger } from '@engagement/plugin-api';
import { Redis } from 'ioredis';
import { createEventPipeline } from '../src/kafka/create-pipeline.js';
import { openClickHouse } from '../src/sinks/clickhouse/client.js';
import { rollupTables } from '../src/sinks/clickhouse/rollup-schema.js';
import { INSERT_JSON_LINES, insertJsonLinesOf, rowsOf } from './json-lines.js';
import { samplePlugin } from './sample-plugin.js';

/** One line of the child's stdout. */
export type ChildLine =
  | { type: 'ready' }
  // insertsRunning: ClickHouse inserts started and not yet answered (their rows may be stored already).
  | { type: 'published'; rows: number; insertsRunning: number }
  // upTo: per origin, the highest originSeq among the rows inserted.
  | { type: 'inserted'; rows: number; upTo: Record<string, number> }
  | { type: 'applied' }
  | { type: 'rolled' }
  | { type: 'compacted' }
  | { type: 'stats'; stats: Record<string, unknown>; paused: boolean; buffered: number }
  | { type: 'closed'; stats: Record<string, unknown> };

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`crash-child: ${name} is not set`);
  return value;
}

// A run the test means to kill is told where: once it inserted CRASH_HOLD_FROM_ROWS rows, it holds its only
// thread at each CRASH_HOLD_AT line for up to HOLD_MS, so the SIGKILL a line triggers lands in exactly that
// state (published but not stored, stored but not committed, applied but not committed, a roll's daily
// rows written but not committed), not a step later.
// The test may pass over a line (a publish while Redis holds nothing ClickHouse lacks): the run goes on.
const holdAt = process.env.CRASH_HOLD_AT;
const holdFromRows = Number(process.env.CRASH_HOLD_FROM_ROWS ?? 0);
const HOLD_MS = 500;
let insertedRows = 0;

/** Pipes are written synchronously on Linux, so a line is in the pipe before the next statement runs. */
function emit(line: ChildLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
  if (line.type === 'inserted') insertedRows += line.rows;
  if (line.type === holdAt && insertedRows >= holdFromRows) {
    // Blocks the event loop: no timer, reply or commit runs until the kill arrives (or HOLD_MS passed).
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, HOLD_MS);
  }
}

const stderrLogger: Logger = {
  debug() {},
  info() {},
  warn: (obj, msg) => void process.stderr.write(`warn ${msg ?? ''} ${JSON.stringify(obj)}\n`),
  error: (obj, msg) => void process.stderr.write(`error ${msg ?? ''} ${JSON.stringify(obj)}\n`),
  child: () => stderrLogger,
};

// A SIGKILLed member stays in the group until its session expires, and the restarted process cannot get
// partitions before that, so the test shortens it (30 s by default) to keep the run short.
const sessionTimeout = Number(process.env.CRASH_SESSION_TIMEOUT_MS ?? 0);

const topic = env('CRASH_TOPIC');
const workerThreads = Number(process.env.CRASH_WORKER_THREADS ?? 0);
const redisClient = new Redis(env('CRASH_REDIS_URL'));
// Reports each cache batch the moment Redis applied it, before the metric offsets are committed.
const redis = new Proxy(redisClient, {
  get(target, prop) {
    const value = Reflect.get(target, prop, target);
    if (typeof value !== 'function') return value;
    if (prop !== 'eventBusApplyEvents') return value.bind(target);
    return async (...args: unknown[]) => {
      const reply = (await value.apply(target, args)) as number[];
      // Negative: refused, nothing changed (-1 a watermark moved, -3 a gap before the batch's position).
      if (reply[0]! >= 0) emit({ type: 'applied' });
      return reply;
    };
  },
});
/** Per origin, the highest originSeq of a JSONEachRow body's rows. */
function highestSeqs(body: Buffer): Record<string, number> {
  const upTo: Record<string, number> = {};
  for (const text of body.toString('utf8').split('\n')) {
    if (!text) continue;
    const { origin, originSeq } = JSON.parse(text) as { origin: string; originSeq: number };
    if (!(originSeq <= upTo[origin]!)) upTo[origin] = originSeq;
  }
  return upTo;
}

let insertsRunning = 0;
const DAILY = rollupTables().daily;
const chdb = await openClickHouse({ path: env('CRASH_CH_PATH') });
// Reports each insert the moment ClickHouse accepted it, before the flush commits the source offsets (the
// rows were published before the insert): a kill there is one in the middle of a batch.
const clickhouse = new Proxy(chdb, {
  get(target, prop) {
    // The metric event store's insert (JSONEachRow bytes, one row per line).
    if (prop === INSERT_JSON_LINES) {
      const insert = insertJsonLinesOf(target);
      return async (table: string, body: Buffer) => {
        insertsRunning++;
        try {
          await insert(table, body);
        } finally {
          insertsRunning--;
        }
        emit({ type: 'inserted', rows: rowsOf(body), upTo: highestSeqs(body) });
      };
    }
    // The read rollup's roll and compaction: reported once their daily rows are written, before their commit
    // row is. A compaction's rows are folded from the daily table itself.
    if (prop === 'command') {
      return async (params: CommandParams) => {
        const result = await target.command(params);
        if (params.query.startsWith(`INSERT INTO ${DAILY} `))
          emit({ type: new RegExp(`\\bFROM ${DAILY}\\s`).test(params.query) ? 'compacted' : 'rolled' });
        return result;
      };
    }
    const value = Reflect.get(target, prop, target);
    return typeof value === 'function' ? value.bind(target) : value;
  },
});

const pipeline = await createEventPipeline({
  brokers: env('CRASH_BROKERS').split(','),
  clientId: 'crash-child',
  groupId: env('CRASH_GROUP'),
  plugins: [samplePlugin],
  // Options rather than a decoder: with CRASH_WORKER_THREADS each pool thread builds its own.
  decode: {
    debezium: { topicPrefix: 'app' },
    overrides: { [topic]: { kind: 'debezium', schema: 'public', table: 'ImageReaction' } },
  },
  // CRASH_WORKER_THREADS > 0: decoding, listeners and the metric rows' serialisation on a worker pool.
  workerThreads,
  // …and the apply stage's batches of at least CRASH_POOL_MIN_BYTES (default 0: every one), live or not, on
  // its threads, which open their own Redis connections.
  redisConnection: { url: env('CRASH_REDIS_URL') },
  poolMetricMinBytes: Number(process.env.CRASH_POOL_MIN_BYTES ?? 0),
  poolMetricWhenLive: true,
  pluginModules: [new URL('./sample-plugin.ts', import.meta.url).href],
  sourceTopics: [topic],
  metricTopic: env('CRASH_METRIC_TOPIC'),
  deadLetterTopic: env('CRASH_DLQ_TOPIC'),
  clickhouse,
  redis,
  cacheScope: env('CRASH_SCOPE'),
  flushRows: Number(process.env.CRASH_FLUSH_ROWS ?? 1_500),
  flushIntervalMs: Number(process.env.CRASH_FLUSH_MS ?? 200),
  // Default bound (4 x flushRows): flushes of 6,000 rows publish in several size-capped requests.
  maxBufferedRows: process.env.CRASH_MAX_BUFFERED_ROWS
    ? Number(process.env.CRASH_MAX_BUFFERED_ROWS)
    : undefined,
  sessionTimeoutMs: sessionTimeout > 0 ? sessionTimeout : undefined,
  // The read rollup rolls every CRASH_ROLL_MS (default 150) and compacts after every CRASH_COMPACT_EVERY
  // (default 1) committed rolls, so kills also land in the middle of rolls and compactions. (A run commits
  // only a few rolls before it is killed: rolls wait for each other and for the busy event loop.)
  rollup: {
    intervalMs: Number(process.env.CRASH_ROLL_MS ?? 150),
    compactEvery: Number(process.env.CRASH_COMPACT_EVERY ?? 1),
  },
  logger: stderrLogger,
  // A pool thread's apply does not go through the proxy above: it is reported once its scripts ran, still
  // before the metric offsets are committed.
  observer: {
    sinkBatch: (sink) => {
      if (sink === 'redis' && workerThreads > 0) emit({ type: 'applied' });
    },
    // Metric events on the metric topic, not yet in ClickHouse (they are inserted with the next flush),
    // possibly applied to Redis already: the state where the cache is ahead of the store.
    sinkAttempt: (sink, outcome) => {
      if (sink === 'kafka' && outcome.ok) emit({ type: 'published', rows: outcome.rows, insertsRunning });
    },
  },
});

const report = setInterval(() => {
  emit({
    type: 'stats',
    stats: { ...pipeline.stats },
    paused: pipeline.consumerState.paused,
    buffered: pipeline.ingest.bufferedRows,
  });
}, 100);

let closing = false;
process.on('SIGTERM', () => {
  if (closing) return;
  closing = true;
  clearInterval(report);
  void (async () => {
    try {
      await pipeline.close();
      emit({ type: 'closed', stats: { ...pipeline.stats } });
      await chdb.close();
      redisClient.disconnect();
      process.exit(0);
    } catch (err) {
      process.stderr.write(`close failed: ${(err as Error).stack}\n`);
      process.exit(1);
    }
  })();
});

await pipeline.start();
emit({ type: 'ready' });
