// The backfill tests' traffic and operator: random sample-traffic operations on a world (its ClickHouse rows
// published as the app's exporter would), and `event-host backfill` in a process of its own.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ClickHouseRowPublisher, clickhouseSourceTables } from '@engagement/app-db/clickhouse';
import type pg from 'pg';
import { type OperationContext, operations } from '../../../scripts/sample-traffic/operations.js';
import type { SampleWorld } from '../../../scripts/sample-traffic/sample-world.js';

/** The operation a uniform draw in [0, total weight) lands on. */
function choose(draw: number) {
  let left = draw;
  for (const op of operations) {
    left -= op.weight;
    if (left < 0) return op;
  }
  return operations[0]!;
}

/** Random sample-traffic operations on the world, ClickHouse rows included, `count` of them or until aborted. */
export async function writeWorldTraffic(
  to: { db: pg.Client; world: SampleWorld; publisher: ClickHouseRowPublisher },
  count: number,
  signal?: AbortSignal,
  perSecond = 0,
): Promise<number> {
  const { db, world, publisher } = to;
  const ctx: OperationContext = { db, world, clickhouse: new Map() };
  const total = operations.reduce((n, o) => n + o.weight, 0);
  let changes = 0;
  for (let i = 0; i < count && !signal?.aborted; i++) {
    const op = choose(Math.random() * total);
    changes += await op.run(ctx);
    if (i % 50 === 49 || i === count - 1 || signal?.aborted) {
      for (const t of clickhouseSourceTables) {
        const rows = ctx.clickhouse!.get(t.table)?.splice(0) ?? [];
        if (rows.length) await publisher.publish(t, rows);
      }
    }
    if (perSecond) await new Promise((res) => setTimeout(res, 1000 / perSecond));
  }
  return changes;
}

/** `event-host backfill <args>` from source in a child process of its own (what an operator runs). */
export function spawnBackfill(env: Record<string, string>, args: string[]) {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const proc = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', main, 'backfill', ...args],
    {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, EVENT_HOST_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const out = { stdout: '', stderr: '' };
  proc.stdout.on('data', (c) => {
    out.stdout += String(c);
  });
  proc.stderr.on('data', (c) => {
    out.stderr += String(c);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, out, exited };
}
