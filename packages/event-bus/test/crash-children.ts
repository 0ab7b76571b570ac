// The crash test's children: consumer processes (crash-child.ts) started from source, each reporting its
// progress as JSON lines, killed at a chosen point of a batch or closed once caught up.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import { expect } from 'vitest';
import type { ChildLine } from './crash-child.js';
import { groupLag } from './synthetic-reactions.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/** Sets `map[key]` to `value` if that is higher. */
function raise(map: Map<string, number>, key: string, value: number): void {
  if (!(value <= map.get(key)!)) map.set(key, value);
}

/** Where in a batch a child can be killed: the lines it reports at those points. */
export const KILL_POINTS = ['published', 'inserted', 'applied', 'rolled', 'compacted'] as const;
export type KillPoint = (typeof KILL_POINTS)[number];

/** One child process and what it reported. */
export interface Run {
  proc: ChildProcess;
  inserted: number;
  lastStats: Record<string, number> | undefined;
  closedStats: Record<string, number> | undefined;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the child consumes and handles SIGTERM. */
  ready: Promise<void>;
  /** At a kill after a publish: changes past ClickHouse's highest whose metric events Redis held. */
  cacheAheadOfStore?: number;
  /** Publishes past the kill point let go because Redis held nothing ClickHouse lacked. */
  publishesPassed: number;
  /** Called with every line; the test installs its kill trigger here. */
  onLine?: (line: ChildLine) => void;
}

/** Longest wait for one child run to reach its kill point or catch up. */
const PHASE_MS = 60_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
/** The last 40 lines of a child's output, for an error. */
export const tail = (text: string) => text.split('\n').slice(-40).join('\n');

/** The crash test's consumer processes (crash-child.ts), started with `env`, on one group and topic. */
export class CrashChildren {
  /** Every run started, in order. */
  readonly runs: Run[] = [];
  /** Per origin, the highest originSeq any run inserted into ClickHouse. */
  private readonly storedUpTo = new Map<string, number>();

  /** `watermarks`: the cache's watermark hashes (per origin, the highest originSeq applied to Redis). */
  constructor(
    private readonly admin: Admin,
    private readonly env: Record<string, string>,
    private readonly redis: Redis,
    private readonly watermarks: readonly string[],
  ) {}

  /** Starts a child; `extraEnv` adds to the environment of this run only. */
  spawn(extraEnv: Record<string, string> = {}): Run {
    let readyNow = () => {};
    const proc = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: Run = {
      proc,
      inserted: 0,
      lastStats: undefined,
      closedStats: undefined,
      stderr: '',
      publishesPassed: 0,
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
      if (line.type === 'inserted') {
        run.inserted += line.rows;
        for (const [origin, seq] of Object.entries(line.upTo)) raise(this.storedUpTo, origin, seq);
      }
      if (line.type === 'stats') run.lastStats = line.stats as Record<string, number>;
      if (line.type === 'closed') run.closedStats = line.stats as Record<string, number>;
      run.onLine?.(line);
    });
    this.runs.push(run);
    return run;
  }

  /**
   * SIGTERMs a child once it has started (or died), and waits for it to exit. A child that started while
   * the group was already caught up is signalled as soon as it is ready: before that its SIGTERM handler
   * may not be installed, or its consumer may still be joining the group.
   */
  async close(run: Run): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
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

  /**
   * Source changes past the highest one in ClickHouse whose metric events Redis applied (some or all):
   * per origin, the offsets between the highest originSeq inserted and the highest of the cache's
   * watermarks (one per shard; originSeq = offset × 1000 + index). Each origin's rows are inserted in
   * order, so ClickHouse holds a prefix of them. Exact while no insert is running.
   */
  async cacheAheadOfStore(): Promise<number> {
    const applied = new Map<string, number>();
    for (const key of this.watermarks) {
      for (const [origin, seq] of Object.entries(await this.redis.hgetall(key)))
        if (origin.startsWith(`${this.env.CRASH_TOPIC}:`)) raise(applied, origin, Number(seq));
    }
    let changes = 0;
    for (const [origin, seq] of applied) {
      const stored = Math.floor((this.storedUpTo.get(origin) ?? -1000) / 1000);
      changes += Math.max(0, Math.floor(seq / 1000) - stored);
    }
    return changes;
  }

  /** Messages of the source topic whose offsets the group committed. */
  async committedMessages(): Promise<number> {
    const lag = await groupLag(this.admin, this.env.CRASH_GROUP!, [this.env.CRASH_TOPIC!]);
    return Object.values(lag.committed).reduce((n, o) => n + Math.max(0, Number(o)), 0);
  }

  /**
   * Runs a child until it has stored `rows` rows, then SIGKILLs it the moment it reports the next `at`
   * (the child holds its thread there until the kill lands): a publish while Redis is ahead of ClickHouse
   * (metric events on the metric topic and applied to the cache, not yet inserted), an insert (rows
   * published and in ClickHouse, their source offsets not yet committed), a cache apply (increments in
   * Redis, the metric offsets not yet committed) or a roll of the read rollup (its daily rows written, the
   * roll not committed: readers must skip them). Returns false when the child caught up before reaching
   * that point, i.e. there was nothing left to interrupt.
   */
  async runAndKill(rows: number, at: KillPoint): Promise<boolean> {
    const run = this.spawn({ CRASH_HOLD_AT: at, CRASH_HOLD_FROM_ROWS: String(rows) });
    const killed = new Promise<boolean>((resolve, reject) => {
      let armed = false;
      let checking = false;
      const kill = () => {
        armed = true;
        resolve(run.proc.kill('SIGKILL'));
      };
      run.onLine = (line) => {
        if (armed || checking || line.type !== at || run.inserted < rows) return;
        if (line.type !== 'published') return kill();
        // A publish is killed only while Redis is ahead of ClickHouse: events applied to the cache that the
        // store does not hold, and no insert running that might hold them already. The child waits.
        if (line.insertsRunning > 0) {
          run.publishesPassed++;
          return;
        }
        checking = true;
        this.cacheAheadOfStore().then((ahead) => {
          checking = false;
          if (armed) return;
          if (ahead === 0) {
            run.publishesPassed++;
            return;
          }
          run.cacheAheadOfStore = ahead;
          kill();
        }, reject);
      };
      const caughtUp = setInterval(async () => {
        if (armed) return clearInterval(caughtUp);
        // The metric topic exists only once the child created it.
        const lag = await groupLag(this.admin, this.env.CRASH_GROUP!, [
          this.env.CRASH_TOPIC!,
          this.env.CRASH_METRIC_TOPIC!,
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
      await this.close(run);
      return false;
    }
    const exit = await run.exited;
    expect(exit.signal, run.stderr).toBe('SIGKILL');
    return true;
  }

  /** SIGKILLs every run still alive (a test that failed midway). */
  killAll(): void {
    for (const run of this.runs)
      if (run.proc.exitCode === null && run.proc.signalCode === null) run.proc.kill('SIGKILL');
  }
}
