// Crash test: SIGKILL the consuming process in the middle of a batch, restart it, and the ClickHouse
// totals (as reads see them, FINAL) and the Redis counters equal the truth computed from the produced
// changes. The consumer runs in a child process (crash-child.ts) with its own embedded ClickHouse path.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '../src/kafka/topics.js';
import { openClickHouse } from '../src/sinks/clickhouse/client.js';
import { defaultCacheKeys, shardWatermarkKey } from '../src/sinks/redis/cache-keys.js';
import type { ChildLine } from './crash-child.js';
import { connectStack, type StackConnections, waitFor } from './integration-env.js';
import {
  clickhouseRawCounts,
  groupLag,
  type Prefill,
  prefillRedis,
  produceAll,
  type SyntheticReactions,
  syntheticReactions,
} from './synthetic-reactions.js';
import { expectSinksEqualTruth } from './synthetic-truth.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
/** Kills before the final run; more than two only while no duplicate was seen yet. */
const MIN_KILLS = 2;
const MAX_KILLS = 4;

interface Run {
  proc: ChildProcess;
  inserted: number;
  lastStats: Record<string, number> | undefined;
  closedStats: Record<string, number> | undefined;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the child consumes and handles SIGTERM. */
  ready: Promise<void>;
  /** Called with every line; the test installs its kill trigger here. */
  onLine?: (line: ChildLine) => void;
}

let stack: StackConnections;
let admin: Admin;
let data: SyntheticReactions & { seed: number };
let prefill: Prefill;
let chPath: string;
let childEnv: Record<string, string>;
let ch: ClickHouseClient | undefined;
const runs: Run[] = [];

function spawnChild(): Run {
  let readyNow = () => {};
  const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD], {
    cwd: ROOT,
    env: { ...process.env, ...childEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    proc,
    inserted: 0,
    lastStats: undefined,
    closedStats: undefined,
    stderr: '',
    exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
    ready: new Promise((resolve) => {
      readyNow = resolve;
    }),
  };
  proc.stderr!.on('data', (chunk) => {
    run.stderr += String(chunk);
  });
  createInterface({ input: proc.stdout! }).on('line', (text) => {
    let line: ChildLine;
    try {
      line = JSON.parse(text);
    } catch {
      run.stderr += `stdout: ${text}\n`;
      return;
    }
    if (line.type === 'ready') readyNow();
    if (line.type === 'inserted') run.inserted += line.rows;
    if (line.type === 'stats') run.lastStats = line.stats as Record<string, number>;
    if (line.type === 'closed') run.closedStats = line.stats as Record<string, number>;
    run.onLine?.(line);
  });
  runs.push(run);
  return run;
}

/** Longest wait for one child run to reach its kill point or catch up. */
const PHASE_MS = 60_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
const tail = (text: string) => text.split('\n').slice(-40).join('\n');

/**
 * SIGTERMs a child once it has started (or died), and waits for it to exit. A child that started while
 * the group was already caught up is signalled as soon as it is ready: before that its SIGTERM handler
 * may not be installed, or its consumer may still be joining the group.
 */
async function closeChild(run: Run): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const bounded = <T>(what: string, promise: Promise<T>) =>
    Promise.race([
      promise,
      sleep(PHASE_MS).then(() => {
        throw new Error(`child ${what} within ${PHASE_MS / 1000} s:\n${tail(run.stderr)}`);
      }),
    ]);
  await bounded('not ready', Promise.race([run.ready, run.exited]));
  run.proc.kill('SIGTERM');
  return bounded('did not close', run.exited);
}

/** Messages of the source topic whose offsets the group committed. */
async function committedMessages(): Promise<number> {
  const lag = await groupLag(admin, childEnv.CRASH_GROUP!, [childEnv.CRASH_TOPIC!]);
  return Object.values(lag.committed).reduce((n, o) => n + Math.max(0, Number(o)), 0);
}

/**
 * Runs a child until it has stored `rows` rows, then SIGKILLs it the moment it reports the next `at`:
 * an insert (rows are published and in ClickHouse, their source offsets not yet committed) or a cache
 * apply (increments are in Redis, the metric offsets not yet committed). Returns false when the child
 * caught up before reaching that point, i.e. there was nothing left to interrupt.
 */
async function runAndKill(rows: number, at: 'inserted' | 'applied'): Promise<boolean> {
  const run = spawnChild();
  const killed = new Promise<boolean>((resolve) => {
    let armed = false;
    run.onLine = (line) => {
      if (armed || line.type !== at || run.inserted < rows) return;
      armed = true;
      resolve(run.proc.kill('SIGKILL'));
    };
    const caughtUp = setInterval(async () => {
      if (armed) return clearInterval(caughtUp);
      // The metric topic exists only once the child created it.
      const lag = await groupLag(admin, childEnv.CRASH_GROUP!, [
        childEnv.CRASH_TOPIC!,
        childEnv.CRASH_METRIC_TOPIC!,
      ]).catch(() => undefined);
      if (lag?.caughtUp && !armed) {
        armed = true;
        clearInterval(caughtUp);
        resolve(false);
      }
    }, 500);
  });
  // A child that dies on its own (a startup error, a crash) or stops making progress fails the test with
  // what it printed, instead of leaving it waiting for a line that never comes.
  const wasKilled = await Promise.race([
    killed,
    run.exited.then((exit) => {
      throw new Error(`child exited on its own (${JSON.stringify(exit)}):\n${tail(run.stderr)}`);
    }),
    sleep(PHASE_MS).then(() => {
      throw new Error(
        `child neither reached ${rows} rows nor caught up in ${PHASE_MS / 1000} s; inserted ` +
          `${run.inserted}, last stats ${JSON.stringify(run.lastStats)}:\n${tail(run.stderr)}`,
      );
    }),
  ]);
  if (!wasKilled) {
    await closeChild(run);
    return false;
  }
  const exit = await run.exited;
  expect(exit.signal, run.stderr).toBe('SIGKILL');
  return true;
}

beforeAll(async () => {
  stack = await connectStack();
  // One chDB engine per process: release the stack's so this process can open the child's path later.
  await stack.clickhouse.close();
  admin = stack.kafka.admin();
  await admin.connect();
  const topic = stack.unique('crash.reactions');
  chPath = mkdtempSync(join(tmpdir(), 'eb-crash-ch-'));
  childEnv = {
    CRASH_BROKERS: stack.env.KAFKA_BROKERS!,
    CRASH_REDIS_URL: stack.env.REDIS_URL!,
    CRASH_TOPIC: topic,
    CRASH_GROUP: stack.unique('crash-group'),
    CRASH_METRIC_TOPIC: stack.unique('crash.metric-events'),
    CRASH_DLQ_TOPIC: stack.unique('crash.dead-letters'),
    CRASH_SCOPE: stack.unique('crash'),
    CRASH_CH_PATH: chPath,
    CRASH_FLUSH_ROWS: '1500',
    CRASH_FLUSH_MS: '200',
    CRASH_SESSION_TIMEOUT_MS: '6000',
  };
  await ensureTopics(admin, [topic], { numPartitions: 3 });
  data = syntheticReactions({ creates: 30_000, deleteEvery: 8, images: 50, users: 20, partitions: 3 });
  await produceAll(stack.kafka, topic, data.messages);
  prefill = await prefillRedis(stack.redis, data);
});

afterAll(async () => {
  for (const run of runs)
    if (run.proc.exitCode === null && run.proc.signalCode === null) run.proc.kill('SIGKILL');
  await ch?.close();
  if (prefill) await stack.redis.del(...prefill.hashes.keys(), ...prefill.absent);
  if (childEnv) {
    const base = `eventbus:cache:watermarks:${childEnv.CRASH_SCOPE}`;
    for (let k = 0; k < defaultCacheKeys.shards; k++) await stack.redis.del(shardWatermarkKey(base, k));
    await admin
      .deleteTopics({
        topics: [childEnv.CRASH_TOPIC!, childEnv.CRASH_METRIC_TOPIC!, childEnv.CRASH_DLQ_TOPIC!],
      })
      .catch(() => undefined);
  }
  await admin?.disconnect();
  await stack?.close();
  if (chPath) rmSync(chPath, { recursive: true, force: true });
});

describe('crash recovery', () => {
  // Up to four process starts, each waiting out the dead member's session on a possibly fresh broker.
  it('counts exactly after SIGKILLs in the middle of batches', { timeout: 300_000 }, async () => {
    const started = Date.now();
    const kills: {
      atRows: number;
      at: string;
      committedMessages: number;
      insertedSoFar: number;
    }[] = [];
    const insertedSoFar = () => runs.reduce((n, r) => n + r.inserted, 0);
    const skippedSoFar = () =>
      runs.reduce((n, r) => n + Number((r.closedStats ?? r.lastStats)?.cacheEventsSkipped ?? 0), 0);
    // Duplicates in ClickHouse are certain once more rows were inserted than the committed offsets
    // account for: those rows are replayed and inserted again by the next run.
    let storedBeyondCommit = false;

    for (let k = 0; k < MAX_KILLS; k++) {
      if (k >= MIN_KILLS && storedBeyondCommit && skippedSoFar() > 0) break;
      const rows = Math.round(data.metricEvents * (k === 0 ? 0.2 : 0.12));
      // Alternate the stage interrupted: ClickHouse insert → commit, then Redis apply → commit.
      const at = k % 2 === 0 ? 'inserted' : 'applied';
      if (!(await runAndKill(rows, at))) break;
      const committed = await committedMessages();
      kills.push({ at, atRows: rows, committedMessages: committed, insertedSoFar: insertedSoFar() });
      if (insertedSoFar() > committed * 3) storedBeyondCommit = true;
    }

    // Final run: until the group's committed offsets reach the end of the source and the metric topic.
    const last = spawnChild();
    await waitFor(
      () => groupLag(admin, childEnv.CRASH_GROUP!, [childEnv.CRASH_TOPIC!, childEnv.CRASH_METRIC_TOPIC!]),
      (lag) => lag.caughtUp,
      90_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nfinal child:\n${tail(last.stderr)}`);
    });
    const exit = await closeChild(last);
    expect(exit, last.stderr).toEqual({ code: 0, signal: null });
    expect(last.closedStats?.deadLetters).toBe(0);

    // The path the killed and the closed processes held opens again in this process.
    ch = await openClickHouse({ path: chPath });
    const raw = await clickhouseRawCounts(ch, data);

    const figures = {
      seed: data.seed,
      messages: data.messages.length,
      metricEvents: data.metricEvents,
      kills,
      insertedPerRun: runs.map((r) => r.inserted),
      cacheSkippedPerRun: runs.map((r) => (r.closedStats ?? r.lastStats)?.cacheEventsSkipped ?? 0),
      cacheRollbacksPerRun: runs.map((r) => (r.closedStats ?? r.lastStats)?.cacheRollbacks ?? 0),
      clickhouseRawRows: raw.rows,
      clickhouseDistinctEventIds: raw.distinctIds,
      seconds: (Date.now() - started) / 1000,
    };
    console.log('crash test figures', JSON.stringify(figures));

    await expectSinksEqualTruth(ch, stack.redis, data, prefill);

    // Duplicates really happened, so the exact totals above prove deduplication, not luck.
    expect(kills.length).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(insertedSoFar(), 'rows inserted more than once into ClickHouse').toBeGreaterThan(
      data.metricEvents,
    );
    expect(skippedSoFar(), 'redelivered metric events skipped by the cache').toBeGreaterThan(0);
    expect(raw.distinctIds).toBe(data.metricEvents);
    // Redis kept every write here: a restarted consumer must not take Kafka's offsets for lost writes.
    expect(figures.cacheRollbacksPerRun.every((n) => n === 0)).toBe(true);
  });
});
