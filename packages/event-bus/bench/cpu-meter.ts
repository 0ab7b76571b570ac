// Wall time, main-thread CPU, whole-process CPU and event-loop utilisation between two marks, for benches
// that report changes per CPU-second. Not a bench itself.
import { readFileSync } from 'node:fs';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { BroadcastChannel } from 'node:worker_threads';
import { POOL_THREADS_CHANNEL } from './worker-probe.js';

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

export interface CpuMark {
  at: number;
  /** This process's main thread (its tid is the pid): user + system, ms, 10 ms resolution. */
  mainCpuMs: number;
  /** The main thread's system time (ms) and minor page faults: what fresh memory costs it. */
  mainSystemMs: number;
  mainFaults: number;
  /** The pool threads announced so far (see worker-probe.ts): user + system, ms; exited threads count 0. */
  poolCpuMs: number;
  /** Every thread of the process (worker threads, chDB, GC helpers, libuv): user + system, ms. */
  processCpuMs: number;
  elu: EventLoopUtilization;
}

export interface PhaseCost {
  wallSeconds: number;
  mainCpuSeconds: number;
  /** Of the main thread's CPU, the part in the kernel (page faults, socket calls). */
  mainSystemSeconds: number;
  /** Minor page faults of the main thread: first touches of fresh memory. */
  mainFaults: number;
  /** The worker pool's threads. */
  poolCpuSeconds: number;
  /** Pool threads that were running at the window's end. */
  poolThreads: number;
  processCpuSeconds: number;
  /** Event-loop utilisation of the main thread over the window. */
  elu: number;
}

/** Pool thread ids announced by worker-probe.ts, with whether the thread was alive at the last mark. */
const poolThreads = new Map<number, boolean>();
const channel = new BroadcastChannel(POOL_THREADS_CHANNEL);
channel.onmessage = (event) => poolThreads.set((event as unknown as { data: number }).data, true);
channel.unref();

export function cpuMark(): CpuMark {
  const usage = process.cpuUsage();
  const processCpuMs = (usage.user + usage.system) / 1000;
  let poolCpuMs = 0;
  for (const tid of poolThreads.keys()) {
    const ms = threadStat(tid)?.cpuMs;
    poolThreads.set(tid, ms !== undefined);
    poolCpuMs += ms ?? 0;
  }
  // Node 20 has no per-thread CPU clock (`process.threadCpuUsage` came in 23.9), so the main thread's own
  // line in /proc is read; off Linux the whole process stands in for it.
  const main = threadStat(process.pid);
  return {
    at: performance.now(),
    mainCpuMs: main?.cpuMs ?? processCpuMs,
    mainSystemMs: main?.systemMs ?? 0,
    mainFaults: main?.faults ?? 0,
    poolCpuMs,
    processCpuMs,
    elu: performance.eventLoopUtilization(),
  };
}

export function costBetween(from: CpuMark, to: CpuMark): PhaseCost {
  return {
    wallSeconds: (to.at - from.at) / 1000,
    mainCpuSeconds: (to.mainCpuMs - from.mainCpuMs) / 1000,
    mainSystemSeconds: (to.mainSystemMs - from.mainSystemMs) / 1000,
    mainFaults: to.mainFaults - from.mainFaults,
    poolCpuSeconds: (to.poolCpuMs - from.poolCpuMs) / 1000,
    poolThreads: [...poolThreads.values()].filter(Boolean).length,
    processCpuSeconds: (to.processCpuMs - from.processCpuMs) / 1000,
    elu: performance.eventLoopUtilization(to.elu, from.elu).utilization,
  };
}

/** The three load averages from /proc/loadavg, e.g. `0.42 0.61 0.70`. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** One thread of this process: see `procStat`. */
function threadStat(tid: number): { cpuMs: number; systemMs: number; faults: number } | undefined {
  return procStat(`/proc/self/task/${tid}/stat`);
}

/**
 * A thread's or a process's CPU (user + system, and system alone, ms) and minor faults, from its `stat` file
 * under /proc; undefined once it exited, or off Linux.
 */
export function procStat(path: string): { cpuMs: number; systemMs: number; faults: number } | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces: minflt is field 10,
    // utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const systemMs = (Number(fields[12]) * 1000) / TICKS_PER_SECOND;
    return {
      cpuMs: (Number(fields[11]) * 1000) / TICKS_PER_SECOND + systemMs,
      systemMs,
      faults: Number(fields[7]),
    };
  } catch {
    return undefined;
  }
}

/**
 * What one minor page fault costs this thread, in µs: 64 MiB of fresh memory touched once per page. Faults
 * cost ~0.1–1 µs on most machines and far more in some virtual machines; the bench prints it so that the
 * faults per change it reports can be read as time.
 */
export function pageFaultMicros(): number | undefined {
  const before = threadStat(process.pid);
  if (!before) return undefined;
  const t0 = performance.now();
  const bytes = Buffer.allocUnsafeSlow(64 * 2 ** 20);
  for (let i = 0; i < bytes.length; i += 4096) bytes[i] = 1;
  const ms = performance.now() - t0;
  const faults = threadStat(process.pid)!.faults - before.faults;
  return faults > 0 ? (ms * 1000) / faults : undefined;
}
