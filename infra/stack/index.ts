import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type StackEnv, writeStackEnv } from './env.js';
import { withLock } from './lock.js';
import { resolveAll } from './maven.js';
import type { Part, PartStatus, StackContext, UpOutcome } from './part.js';
import { clickhousePart } from './parts/clickhouse.js';
import { connectPart } from './parts/connect.js';
import { kafkaPart } from './parts/kafka.js';
import { meilisearchPart } from './parts/meilisearch.js';
import { postgresPart } from './parts/postgres.js';
import { redisPart } from './parts/redis.js';
import { redisClusterPart } from './parts/redis-cluster.js';
import { stackPaths } from './paths.js';
import { readPorts, savePorts } from './ports.js';
import { isAlive, tailFile } from './process.js';
import { StackError } from './stack-error.js';
import { type StackUserKind, StackUsers } from './stack-users.js';
import { stackVersions } from './versions.js';

export { openClickHouse } from './clickhouse-client.js';
export { readStackEnv, type StackEnv } from './env.js';
export type { PartStatus } from './part.js';
export type { StackUserKind } from './stack-users.js';

/** Start order matters only for connect, which needs Kafka and Postgres; status lists in this order. */
export const parts: Part[] = [
  postgresPart,
  redisPart,
  redisClusterPart,
  kafkaPart,
  connectPart,
  clickhousePart,
  meilisearchPart,
];

export interface StackUpOptions {
  /** Where progress lines go; defaults to console.log. */
  log?: (line: string) => void;
  /**
   * The caller keeps the stack running (`npm run stack -- up`): a test run or `npm start` that found it down
   * and started it no longer stops it when it ends.
   */
  keep?: boolean;
}

export { StackError };

function context(log: (line: string) => void): StackContext {
  const paths = stackPaths();
  for (const dir of [paths.dir, paths.logs, paths.run]) mkdirSync(dir, { recursive: true });
  return { paths, ports: readPorts(), say: log };
}

const lockFile = (ctx: StackContext) => `${ctx.paths.run}/stack.lock`;
const usersOf = (ctx: StackContext) => new StackUsers(join(ctx.paths.run, 'users'), ctx.paths.dir);
/** The parts that run as local processes: one of them down means the stack is not up. */
const processParts = new Set(['postgres', 'redis', 'kafka', 'connect', 'clickhouse']);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`.padStart(6);

/**
 * Brings every part up, starting only what is not already healthy, writes <stackDir>/stack.env
 * and returns its settings. Rejects with the failing parts' log tails when any part fails.
 */
export async function stackUp(opts: StackUpOptions = {}): Promise<StackEnv> {
  const say = opts.log ?? ((line: string) => console.log(line));
  const ctx = context(say);
  return withLock(lockFile(ctx), async () => {
    if (opts.keep) usersOf(ctx).clearStartedByRun();
    const failures: string[] = [];
    const started = Date.now();

    const step = async (name: string, fn: () => Promise<UpOutcome>, part?: Part): Promise<boolean> => {
      const t0 = Date.now();
      try {
        const r = await fn();
        savePorts(ctx.ports);
        say(
          `  ${name.padEnd(11)} ${r.outcome.padEnd(8)} ${seconds(Date.now() - t0)}  ${r.detail ?? ''}`.trimEnd(),
        );
        return true;
      } catch (err) {
        say(
          `  ${name.padEnd(11)} FAILED   ${seconds(Date.now() - t0)}  ${(err as Error).message.split('\n')[0]}`,
        );
        const log = part?.logFile
          ? `\n--- last 30 lines of ${part.logFile(ctx)} ---\n${tailFile(part.logFile(ctx), 30)}`
          : '';
        failures.push(`${name}: ${(err as Error).message}${log}`);
        // Leave nothing half-started behind: a failed part is stopped, its log kept.
        if (part) await part.down(ctx).catch(() => {});
        return false;
      }
    };
    const partStep = (part: Part) => step(part.name, () => part.up(ctx), part);

    say(`stack up (${ctx.paths.dir})`);
    const deps = step('maven', async () => {
      const resolved = await resolveAll();
      return resolved.length
        ? { outcome: 'resolved', detail: `mvn dependency:build-classpath for ${resolved.join(', ')}` }
        : { outcome: 'cached', detail: 'classpaths of infra/maven/*/pom.xml' };
    });
    const [pgOk, , kafkaOk] = await Promise.all([
      partStep(postgresPart),
      partStep(redisPart),
      partStep(redisClusterPart),
      deps.then((ok) => (ok ? partStep(kafkaPart) : false)),
      partStep(clickhousePart),
      partStep(meilisearchPart),
    ]);
    if (pgOk && kafkaOk) await partStep(connectPart);
    else {
      say(`  ${'connect'.padEnd(11)} skipped            needs postgres and kafka`);
      failures.push('connect: not started because postgres or kafka failed');
    }

    const env: StackEnv = { STACK_DIR: ctx.paths.dir };
    for (const part of parts) Object.assign(env, part.env(ctx));
    Object.assign(env, await stackVersions());
    const file = writeStackEnv(env);
    say(
      `stack ${failures.length ? 'FAILED' : 'up'} in ${seconds(Date.now() - started).trim()}; settings in ${file}`,
    );
    if (failures.length) throw new StackError(`stack up failed:\n\n${failures.join('\n\n')}`);
    return env;
  });
}

export interface StackDownOptions {
  /** Also delete the stack directory (data, logs, offsets): the next `up` starts from scratch. */
  purge?: boolean;
  log?: (line: string) => void;
}

/** Stops what the stack started, by recorded pid; remote services are left alone. */
export async function stackDown(opts: StackDownOptions = {}): Promise<void> {
  const say = opts.log ?? ((line: string) => console.log(line));
  const ctx = context(say);
  await withLock(lockFile(ctx), () => stopParts(ctx));
  if (opts.purge) {
    // Resolved classpaths survive: they only point into the Maven repository and are re-checked
    // on every `up`, and keeping them saves a Maven run on the next start.
    for (const entry of readdirSync(ctx.paths.dir)) {
      if (join(ctx.paths.dir, entry) !== ctx.paths.classpath)
        rmSync(join(ctx.paths.dir, entry), { recursive: true, force: true });
    }
    say(`  purged ${ctx.paths.dir} (kept ${ctx.paths.classpath})`);
    for (const part of parts) {
      const removed = part.purgeOutside?.(ctx);
      if (removed) say(`  purged ${removed} (${part.name})`);
    }
  }
}

/** Stops every part, Connect first: stopping it before the broker lets it flush offsets and release the slot cleanly. */
async function stopParts(ctx: StackContext): Promise<void> {
  const order = [
    connectPart,
    kafkaPart,
    redisPart,
    redisClusterPart,
    postgresPart,
    clickhousePart,
    meilisearchPart,
  ];
  for (const part of order) {
    const t0 = Date.now();
    const result = await part.down(ctx);
    ctx.say(`  ${part.name.padEnd(11)} ${seconds(Date.now() - t0)}  ${result}`);
  }
  usersOf(ctx).clearStartedByRun();
}

/**
 * Joins the stack's users (stack-users.ts) as `kind`, or rejects with a StackError naming the run it would
 * break; notes when the stack is down, so that the last user to leave (`leaveStack`) stops what a run
 * started. Call it before `stackUp`.
 */
export async function joinStack(kind: StackUserKind): Promise<void> {
  const ctx = context(() => {});
  await withLock(lockFile(ctx), async () => {
    const users = usersOf(ctx);
    users.join(kind);
    const status = await stackStatus();
    // 'down', not 'not up': a remote ClickHouse (state 'remote') is never ours to start or stop.
    if (status.some((s) => processParts.has(s.name) && s.state === 'down')) users.markStartedByRun();
  });
}

/**
 * Leaves the stack's users; stops the stack when no user is left and a run (not `stack up`) started it.
 * With `keep` (STACK_KEEP=1) the stack keeps running and counts as started by hand. True when it stopped.
 */
export async function leaveStack(
  opts: { keep?: boolean; log?: (line: string) => void } = {},
): Promise<boolean> {
  const ctx = context(opts.log ?? ((line: string) => console.log(line)));
  return withLock(lockFile(ctx), async () => {
    const users = usersOf(ctx);
    if (opts.keep) users.clearStartedByRun();
    if (!users.leave()) return false;
    await stopParts(ctx);
    return true;
  });
}

/**
 * The test runs and `npm start`s using the stack now (for `status`). Read without the stack's lock: all it
 * writes is the removal of users whose processes are gone.
 */
export function stackUsers(): { pid: number; kind: StackUserKind }[] {
  return usersOf(context(() => {})).live();
}

/**
 * Kills one part's process with SIGKILL, as a crash would (nothing flushed, e.g. Kafka Connect's source
 * offsets); `stackUp` starts it again. The pid is the one the part recorded and verified, never found by
 * name. Resolves with it once the process is gone, or undefined when the part was not running.
 */
export async function killPart(name: string): Promise<number | undefined> {
  const part = parts.find((p) => p.name === name);
  if (!part) throw new StackError(`no part "${name}"; parts: ${parts.map((p) => p.name).join(', ')}`);
  const { pid } = await part.status(context(() => {}));
  if (pid === undefined || !isAlive(pid)) return undefined;
  process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  return pid;
}

export async function stackStatus(): Promise<PartStatus[]> {
  const ctx = context(() => {});
  return Promise.all(parts.map((part) => part.status(ctx)));
}

export function stackLogs(partName: string, lines = 50): string {
  const ctx = context(() => {});
  const part = parts.find((p) => p.name === partName);
  if (!part?.logFile)
    throw new Error(
      `no log for "${partName}"; parts with logs: ${parts
        .filter((p) => p.logFile)
        .map((p) => p.name)
        .join(', ')}`,
    );
  return tailFile(part.logFile(ctx), lines);
}

export { resolveAll as fetchDeps } from './maven.js';
