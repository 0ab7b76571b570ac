import type { PartStatus, StackContext } from './part.js';
import {
  cmdlineIncludes,
  isAlive,
  processStatus,
  readPid,
  removePid,
  spawnDetached,
  stopOwnedProcess,
  stopPid,
  waitFor,
  writePid,
} from './process.js';

/** One server process a part starts itself and tracks by a pid file (Kafka, Connect, Redis, the ClickHouse server). */
export interface OwnedProcess {
  name: string;
  pidFile: string;
  log: string;
  /** Text its command line carries: a recycled pid must not be mistaken for (or killed as) ours. */
  marker: string;
}

/** A part's server, with its pid file and log where the stack directory keeps them for that part name. */
export function ownedProcess(ctx: StackContext, name: string, marker: string): OwnedProcess {
  return { name, pidFile: ctx.paths.pidFile(name), log: ctx.paths.log(name), marker };
}

/** The recorded pid while that process is alive and still ours. */
export function ownedPid(p: OwnedProcess): number | undefined {
  const pid = readPid(p.pidFile);
  return pid && isAlive(pid) && cmdlineIncludes(pid, p.marker) ? pid : undefined;
}

export function ownedStatus(p: OwnedProcess, port: number | undefined): Promise<PartStatus> {
  return processStatus(p.name, ownedPid(p), port);
}

export function stopOwned(p: OwnedProcess, graceMs: number): Promise<string> {
  return stopOwnedProcess(p.pidFile, ownedPid(p), graceMs);
}

/**
 * Keeps the running process when it was started with the current config and answers; otherwise stops it
 * and forgets its pid so a fresh start follows. Returns the kept pid.
 */
export async function keepIfCurrent(
  p: OwnedProcess,
  configUnchanged: boolean,
  answers: () => Promise<boolean>,
): Promise<number | undefined> {
  const existing = ownedPid(p);
  if (existing && configUnchanged && (await answersWhileAlive(existing, answers))) return existing;
  if (existing) await stopPid(existing);
  removePid(p.pidFile);
  return undefined;
}

/**
 * True once `answers` does, within `graceMs`, while process `pid` lives. One slow answer is not a dead
 * server: on a loaded machine a check can time out, and replacing a healthy server would throw away what
 * it holds (a broker's topics and offsets, mid test run).
 */
export async function answersWhileAlive(
  pid: number,
  answers: () => Promise<boolean>,
  graceMs = 20_000,
): Promise<boolean> {
  return waitFor('a running server', answers, { timeoutMs: graceMs, pid, intervalMs: 500 }).then(
    () => true,
    () => false,
  );
}

export interface Readiness {
  what: string;
  check: () => Promise<boolean>;
  timeoutMs: number;
  intervalMs?: number;
}

/** Spawns the process detached, records its pid, then waits for each readiness check in turn (failing early if it dies). */
export async function startOwned(
  p: OwnedProcess,
  command: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
  ...ready: Readiness[]
): Promise<number> {
  const pid = spawnDetached(command, args, { log: p.log, ...opts });
  writePid(p.pidFile, pid);
  for (const r of ready) {
    await waitFor(r.what, r.check, { timeoutMs: r.timeoutMs, intervalMs: r.intervalMs, pid });
  }
  return pid;
}
