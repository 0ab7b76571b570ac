import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clickhouseSourceDdl } from '../../../packages/app-db/src/clickhouse/source-tables.js';
import { metricEventTableDdl } from '../../../packages/event-bus/src/sinks/clickhouse/schema.js';
import type { Part, StackContext } from '../part.js';
import { clickhouseDdlDir, repoRoot } from '../paths.js';
import { runChecked } from '../process.js';

const remoteUrl = () => process.env.CLICKHOUSE_URL || undefined;

function files(ctx: StackContext) {
  const dir = ctx.paths.part('clickhouse');
  return {
    dir,
    data: join(dir, 'data'),
    applied: join(dir, 'ddl-applied.txt'),
    log: ctx.paths.log('clickhouse'),
  };
}

function ddlFingerprint(target: string): string {
  const hash = createHash('sha256')
    .update(target)
    .update(metricEventTableDdl())
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

export const clickhousePart: Part = {
  name: 'clickhouse',
  logFile: (ctx) => files(ctx).log,

  async status(ctx) {
    const url = remoteUrl();
    if (url) {
      const ok = await ping(url).catch(() => false);
      return { name: 'clickhouse', state: ok ? 'remote' : 'unreachable', detail: url };
    }
    const f = files(ctx);
    const ddl = existsSync(f.applied) ? 'DDL applied' : 'DDL not applied';
    return {
      name: 'clickhouse',
      state: 'embedded',
      detail: `chDB at ${f.data} (${ddl}; opened by each process that uses it)`,
    };
  },

  async up(ctx) {
    const f = files(ctx);
    const url = remoteUrl();
    const target = url ?? f.data;
    const fingerprint = ddlFingerprint(target);
    // Skipping unchanged DDL keeps a second `up` from opening the chDB path while a test or the
    // host may already hold it in another process.
    if (existsSync(f.applied) && readFileSync(f.applied, 'utf8').trim() === fingerprint)
      return { outcome: 'running', detail: target };
    mkdirSync(f.data, { recursive: true });
    const env = { ...process.env, ...(url ? { CLICKHOUSE_URL: url } : { CLICKHOUSE_PATH: f.data }) };
    const out = await runChecked(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'infra/stack/clickhouse-ddl.ts')],
      { cwd: repoRoot, env },
    );
    writeFileSync(f.log, out);
    writeFileSync(f.applied, `${fingerprint}\n`);
    return { outcome: 'applied', detail: `${target}: ${out.trim().split('\n').join(', ')}` };
  },

  async down() {
    return remoteUrl() ? 'remote, untouched' : 'embedded, nothing to stop';
  },

  env: (ctx): Record<string, string> =>
    remoteUrl() ? { CLICKHOUSE_URL: remoteUrl() as string } : { CLICKHOUSE_PATH: files(ctx).data },
};
