import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clickhouseSourceDdl } from '../../../packages/app-db/src/clickhouse/source-tables.js';
import { rollupDdl } from '../../../packages/event-bus/src/sinks/clickhouse/rollup-schema.js';
import { metricEventTableDdl } from '../../../packages/event-bus/src/sinks/clickhouse/schema.js';
import { configUnchanged } from '../config-file.js';
import { keepIfCurrent, ownedProcess, ownedStatus, startOwned, stopOwned } from '../owned-process.js';
import type { Part, StackContext } from '../part.js';
import { clickhouseDdlDir, repoRoot } from '../paths.js';
import { choosePort } from '../ports.js';
import { runChecked } from '../process.js';

const serverDir = join(repoRoot, 'infra/stack/clickhouse-http');
const serverScript = join(serverDir, 'main.ts');
const servedUrl = (port: number) => `http://127.0.0.1:${port}`;

/**
 * A CLICKHOUSE_URL set by the user names a remote server. The stack's own URL may also be in the
 * environment (a shell that sourced stack.env): that one is still the served engine, not a remote.
 */
function remoteUrl(ctx: StackContext): string | undefined {
  const url = process.env.CLICKHOUSE_URL || undefined;
  if (url && ctx.ports.clickhouse && url.replace(/\/$/, '') === servedUrl(ctx.ports.clickhouse))
    return undefined;
  return url;
}

function files(ctx: StackContext) {
  const dir = ctx.paths.part('clickhouse');
  return {
    dir,
    data: join(dir, 'data'),
    applied: join(dir, 'ddl-applied.txt'),
    // What the running server was started with; a change restarts it.
    config: join(dir, 'server.args'),
  };
}

const server = (ctx: StackContext) => ownedProcess(ctx, 'clickhouse', 'clickhouse-http/main.ts');

function ddlFingerprint(target: string): string {
  const hash = createHash('sha256')
    .update(target)
    .update(metricEventTableDdl())
    .update(rollupDdl().join(';\n'))
    .update(clickhouseSourceDdl().join(';\n'));
  for (const file of readdirSync(clickhouseDdlDir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    hash.update(file).update(readFileSync(join(clickhouseDdlDir, file)));
  }
  return hash.digest('hex');
}

async function ping(url: string): Promise<boolean> {
  const res = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(2000) });
  return res.ok;
}

/** The server's own code: an `up` after it changed restarts the server instead of keeping the old one. */
function serverFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(serverDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort()) {
    hash.update(file).update(readFileSync(join(serverDir, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Starts the HTTP server over the stack's chDB directory unless it already runs as configured. */
async function serve(ctx: StackContext): Promise<{ started: boolean; pid: number; port: number }> {
  const f = files(ctx);
  const oldPort = ctx.ports.clickhouse;
  const args = (port: number) => [serverScript, '--path', f.data, '--port', String(port)];
  const config = (port: number) => `${args(port).join(' ')}\nsource ${serverFingerprint()}\n`;
  const sameConfig = oldPort !== undefined && configUnchanged(f.config, config(oldPort));
  const kept = await keepIfCurrent(server(ctx), sameConfig, () => ping(servedUrl(oldPort as number)));
  if (kept) return { started: false, pid: kept, port: oldPort as number };
  const port = await choosePort('clickhouse', ctx.ports);
  mkdirSync(f.data, { recursive: true });
  writeFileSync(f.config, config(port));
  const pid = await startOwned(
    server(ctx),
    process.execPath,
    ['--import', 'tsx', ...args(port)],
    // Queries take at most 4 libuv threads (the server's limit); the rest stay free for gzip and fs.
    { cwd: repoRoot, env: { ...process.env, UV_THREADPOOL_SIZE: '8' } },
    { what: 'clickhouse', check: () => ping(servedUrl(port)), timeoutMs: 60_000 },
  );
  return { started: true, pid, port };
}

export const clickhousePart: Part = {
  name: 'clickhouse',
  logFile: (ctx) => server(ctx).log,

  async status(ctx) {
    const url = remoteUrl(ctx);
    if (url) {
      const ok = await ping(url).catch(() => false);
      return { name: 'clickhouse', state: ok ? 'remote' : 'unreachable', detail: url };
    }
    const f = files(ctx);
    const status = await ownedStatus(server(ctx), ctx.ports.clickhouse);
    const ddl = existsSync(f.applied) ? 'DDL applied' : 'DDL not applied';
    return { ...status, detail: `chDB at ${f.data} served over HTTP (${ddl})` };
  },

  async up(ctx) {
    const f = files(ctx);
    const remote = remoteUrl(ctx);
    let url: string;
    let served = '';
    if (remote) url = remote;
    else {
      const s = await serve(ctx);
      url = servedUrl(s.port);
      served = `${s.started ? 'started' : 'running'}, pid ${s.pid}, ${url}`;
    }
    // The served engine's fingerprint names its data directory: the port may change between runs.
    const fingerprint = ddlFingerprint(remote ?? f.data);
    if (existsSync(f.applied) && readFileSync(f.applied, 'utf8').trim() === fingerprint)
      return { outcome: served.startsWith('started') ? 'started' : 'running', detail: served || url };
    // In a child process, like any other client of the server, so `up` needs no ClickHouse client of its own.
    const out = await runChecked(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'infra/stack/clickhouse-ddl.ts')],
      { cwd: repoRoot, env: { ...process.env, CLICKHOUSE_URL: url } },
    );
    writeFileSync(f.applied, `${fingerprint}\n`);
    const applied = out.trim().split('\n').join(', ');
    return { outcome: 'applied', detail: `${served || url}; DDL: ${applied}` };
  },

  async down(ctx) {
    if (remoteUrl(ctx)) return 'remote, untouched';
    return stopOwned(server(ctx), 30_000);
  },

  env: (ctx): Record<string, string> => {
    const remote = remoteUrl(ctx);
    if (remote) return { CLICKHOUSE_URL: remote };
    // Only the URL: the data directory belongs to the server process, no one else can open it.
    return ctx.ports.clickhouse ? { CLICKHOUSE_URL: servedUrl(ctx.ports.clickhouse) } : {};
  },
};
