import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { cdc } from '../cdc.js';
import { applyMigrations } from '../migrate.js';
import { answersWhileAlive } from '../owned-process.js';
import type { Part, StackContext } from '../part.js';
import { pgBinDir } from '../paths.js';
import { choosePort } from '../ports.js';
import { isAlive, processStatus, readPid, run, runChecked, stopPid, waitFor } from '../process.js';

const OS_USER = 'postgres';

/**
 * Where the cluster lives: under the stack directory when the `postgres` user can reach it; otherwise
 * (a checkout under /root, whose home is mode 700, or in a `mktemp -d` folder) in a folder of its own
 * under /var/tmp, named after the stack directory, with its log beside it.
 */
function files(ctx: StackContext) {
  const inside = postgresCanEnter(ctx.paths.dir);
  const dir = inside ? ctx.paths.part('postgres') : outsideDir(ctx.paths.dir);
  const log = inside ? ctx.paths.log('postgres') : join(dir, 'postgres.log');
  return { dir, inside, data: join(dir, 'data'), socketDir: join(dir, 'run'), log };
}

const outsideRoot = '/var/tmp/engagement-stack';

function outsideDir(stackDir: string): string {
  const name = createHash('sha256').update(stackDir).digest('hex').slice(0, 16);
  return join(outsideRoot, `postgres-${name}`);
}

const canEnter = new Map<string, boolean>();

/** Only root hands the cluster to another OS user; anyone else runs it as themselves. */
function postgresCanEnter(dir: string): boolean {
  if (process.getuid?.() !== 0) return true;
  let known = canEnter.get(dir);
  if (known === undefined) {
    // access(2) as that user walks every parent folder, which is what initdb and the postmaster do.
    known = spawnSync('runuser', ['-u', OS_USER, '--', 'test', '-x', dir]).status === 0;
    canEnter.set(dir, known);
  }
  return known;
}

export function postgresUrl(port: number, database: string = cdc.database): string {
  return `postgresql://postgres@127.0.0.1:${port}/${database}`;
}

/** initdb and the postmaster refuse to run as root; everything they touch must belong to `postgres`. */
function asPostgres(binary: string, args: string[], cwd: string) {
  const command = process.getuid?.() === 0 ? 'runuser' : join(pgBinDir, binary);
  const fullArgs = process.getuid?.() === 0 ? ['-u', OS_USER, '--', join(pgBinDir, binary), ...args] : args;
  return { command, args: fullArgs, cwd };
}

function postgresIds(): { uid: number; gid: number } {
  const m = readFileSync('/etc/passwd', 'utf8').match(new RegExp(`^${OS_USER}:[^:]*:(\\d+):(\\d+):`, 'm'));
  if (!m)
    throw new Error(`no ${OS_USER} OS user: the private cluster needs one (initdb refuses to run as root)`);
  return { uid: Number(m[1]), gid: Number(m[2]) };
}

function chownToPostgres(path: string): void {
  if (process.getuid?.() !== 0) return;
  const { uid, gid } = postgresIds();
  chownSync(path, uid, gid);
}

/** postmaster.pid's first line is the postmaster pid; postgres removes it on clean shutdown. */
function runningPid(ctx: StackContext): number | undefined {
  const pid = readPid(join(files(ctx).data, 'postmaster.pid'));
  return pid && isAlive(pid) ? pid : undefined;
}

function stackConf(socketDir: string, port: number): string {
  return `${[
    '# Written by infra/stack on every start; postgresql.conf includes it.',
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${socketDir}'`,
    // Debezium decodes the WAL through a logical replication slot (pgoutput).
    'wal_level = logical',
    'max_replication_slots = 10',
    'max_wal_senders = 10',
  ].join('\n')}\n`;
}

async function initCluster(f: ReturnType<typeof files>): Promise<void> {
  if (!f.inside) mkdirSync(outsideRoot, { recursive: true, mode: 0o755 });
  mkdirSync(f.data, { recursive: true, mode: 0o700 });
  chownToPostgres(f.dir);
  chownToPostgres(f.data);
  const init = asPostgres(
    'initdb',
    ['-D', f.data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'],
    f.dir,
  );
  await runChecked(init.command, init.args, { cwd: init.cwd });
  appendFileSync(join(f.data, 'postgresql.conf'), "\ninclude_if_exists = 'stack.conf'\n");
}

async function ensureDatabase(port: number): Promise<void> {
  const admin = new pg.Client({ connectionString: postgresUrl(port, 'postgres') });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [cdc.database]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${cdc.database}"`);
  } finally {
    await admin.end();
  }
}

/**
 * The publication covers the whole public schema, so tables added by later migrations are
 * captured without touching it; Debezium is told to skip the bookkeeping tables.
 * Created here rather than by Debezium (publication.autocreate.mode=disabled) because
 * Debezium's "filtered" mode freezes the table list at creation time.
 */
async function ensurePublication(port: number): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl(port) });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [
      cdc.publicationName,
    ]);
    if (!rowCount)
      await client.query(`CREATE PUBLICATION ${cdc.publicationName} FOR TABLES IN SCHEMA public`);
  } finally {
    await client.end();
  }
}

/**
 * The one-row table the Debezium connector's heartbeat action query updates. It is in the publication
 * (the whole public schema), so Debezium sees its changes and confirms their LSN, and excluded from the
 * captured tables (cdc.excludedTables), so nothing reaches Kafka.
 */
async function ensureHeartbeatTable(port: number): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl(port) });
  await client.connect();
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS public."${cdc.heartbeatTable}" (id int PRIMARY KEY, at timestamptz NOT NULL)`,
    );
  } finally {
    await client.end();
  }
}

async function accepts(port: number): Promise<boolean> {
  const client = new pg.Client({
    connectionString: postgresUrl(port, 'postgres'),
    connectionTimeoutMillis: 2000,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}

export const postgresPart: Part = {
  name: 'postgres',
  logFile: (ctx) => files(ctx).log,

  async status(ctx) {
    const status = await processStatus('postgres', runningPid(ctx), ctx.ports.postgres);
    const f = files(ctx);
    return f.inside
      ? status
      : { ...status, detail: `data at ${f.data} (the postgres user cannot enter the stack directory)` };
  },

  async up(ctx) {
    const f = files(ctx);
    let outcome: 'started' | 'running' = 'running';
    const existing = runningPid(ctx);
    const known = ctx.ports.postgres;
    if (!(existing && known && (await answersWhileAlive(existing, () => accepts(known))))) {
      if (existing) await stopPid(existing);
      if (!existsSync(join(f.data, 'PG_VERSION'))) await initCluster(f);
      const port = await choosePort('postgres', ctx.ports);
      mkdirSync(f.socketDir, { recursive: true });
      chownToPostgres(f.socketDir);
      writeFileSync(join(f.data, 'stack.conf'), stackConf(f.socketDir, port));
      chownToPostgres(join(f.data, 'stack.conf'));
      mkdirSync(dirname(f.log), { recursive: true });
      closeSync(openSync(f.log, 'a'));
      chownToPostgres(f.log);
      // pg_ctl puts the postmaster in its own session and returns once it accepts connections.
      const start = asPostgres('pg_ctl', ['start', '-D', f.data, '-l', f.log, '-w', '-t', '60', '-s'], f.dir);
      await runChecked(start.command, start.args, { cwd: start.cwd });
      await waitFor('postgres', () => accepts(port), { timeoutMs: 30_000 });
      outcome = 'started';
    }
    const port = ctx.ports.postgres as number;
    await ensureDatabase(port);
    const applied = await applyMigrations(postgresUrl(port));
    await ensurePublication(port);
    await ensureHeartbeatTable(port);
    const detail = [
      `pid ${runningPid(ctx)}, port ${port}`,
      applied.length ? `migrations applied: ${applied.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return { outcome, detail };
  },

  async down(ctx) {
    const f = files(ctx);
    const pid = runningPid(ctx);
    if (!pid) return 'not running';
    const stop = asPostgres('pg_ctl', ['stop', '-D', f.data, '-m', 'fast', '-w', '-t', '30', '-s'], f.dir);
    const r = await run(stop.command, stop.args, { cwd: stop.cwd });
    if (r.code === 0 && !isAlive(pid)) return `stopped (pid ${pid})`;
    return `${await stopPid(pid, 10_000)} (pid ${pid}; pg_ctl stop: ${(r.stderr || r.stdout).trim() || r.code})`;
  },

  env: (ctx): Record<string, string> =>
    ctx.ports.postgres ? { POSTGRES_URL: postgresUrl(ctx.ports.postgres) } : {},

  purgeOutside(ctx) {
    const f = files(ctx);
    if (f.inside || !existsSync(f.dir)) return undefined;
    rmSync(f.dir, { recursive: true, force: true });
    return f.dir;
  },
};
