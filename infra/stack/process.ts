import { type SpawnOptions, spawn } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PartStatus } from './part.js';

export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function writePid(pidFile: string, pid: number): void {
  mkdirSync(dirname(pidFile), { recursive: true });
  writeFileSync(pidFile, `${pid}\n`);
}

export function removePid(pidFile: string): void {
  rmSync(pidFile, { force: true });
}

/** kill(pid, 0) alone says yes for zombies, which would make `down` wait for a corpse. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return false;
  }
}

/** True when `ancestor` is `pid`'s parent, grandparent, … (from /proc). */
export function isAncestor(ancestor: number, pid: number): boolean {
  for (let p = parentOf(pid); p !== undefined && p > 1; p = parentOf(p)) if (p === ancestor) return true;
  return false;
}

function parentOf(pid: number): number | undefined {
  try {
    // `pid (comm) state ppid …`; comm may hold spaces and parentheses, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Guards against pid reuse: a recycled pid must not be mistaken for (or killed as) our process. */
export function cmdlineIncludes(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(marker);
  } catch {
    return false;
  }
}

/**
 * Starts a long-lived process in its own session with output appended to a log file.
 * The command is exec'd directly (no shell), so the pid we record is the server itself.
 */
export function spawnDetached(
  command: string,
  args: string[],
  opts: { log: string; cwd?: string; env?: NodeJS.ProcessEnv },
): number {
  mkdirSync(dirname(opts.log), { recursive: true });
  // Logs append across restarts; a banner tells one run's lines from the previous one's.
  appendFileSync(opts.log, `\n===== ${new Date().toISOString()} stack: starting ${command} =====\n`);
  const fd = openSync(opts.log, 'a');
  try {
    const spawnOpts: SpawnOptions = {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    };
    const child = spawn(command, args, spawnOpts);
    if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
    // Reap the child if it dies while we are still running (otherwise it lingers as a zombie
    // that still answers kill(pid, 0)), but never keep our own process alive for it.
    child.on('error', () => {});
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, capturing output (for initdb, pg_ctl, mvn). */
export function run(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function runChecked(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const r = await run(command, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${r.code}\n${(r.stderr || r.stdout).trim().split('\n').slice(-30).join('\n')}`,
    );
  }
  return r.stdout;
}

export function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Thrown by a readiness check when waiting longer cannot help (e.g. a FAILED connector task). */
export class FatalError extends Error {}

/** Polls `check` until true; fails early when the watched pid dies, since waiting longer is pointless. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; pid?: number; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const ok = await check().catch((err: unknown) => {
      if (err instanceof FatalError) throw err;
      return false;
    });
    if (ok) return;
    if (opts.pid !== undefined && !isAlive(opts.pid)) throw new Error(`${what}: process ${opts.pid} exited`);
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${opts.timeoutMs} ms`);
    await sleep(opts.intervalMs ?? 250);
  }
}

/** SIGTERM, a grace period, then SIGKILL: servers get to flush (Redis AOF, Kafka logs) but never hang `down`. */
export async function stopPid(pid: number, graceMs = 30_000): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isAlive(pid)) return 'not-running';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'not-running';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {}
  while (isAlive(pid)) await sleep(50);
  return 'killed';
}

export function tailFile(file: string, lines = 30): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  // Kafka and Connect logs grow large; the last 64 KiB always hold 30 lines of interest.
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    return buf.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } finally {
    closeSync(fd);
  }
}

/** Status of a part that is one process of ours listening on one loopback port. */
export async function processStatus(
  name: string,
  pid: number | undefined,
  port: number | undefined,
): Promise<PartStatus> {
  const up = pid !== undefined && port !== undefined && (await isPortOpen(port));
  return { name, state: up ? 'up' : 'down', pid, port };
}

/** Stops a process the stack started (by its recorded pid, never by name) and forgets the pid file. */
export async function stopOwnedProcess(
  pidFile: string,
  pid: number | undefined,
  graceMs: number,
): Promise<string> {
  removePid(pidFile);
  if (!pid) return 'not running';
  return `${await stopPid(pid, graceMs)} (pid ${pid})`;
}
