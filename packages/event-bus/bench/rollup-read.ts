// Read rollup (issue 16): the ClickHouse side of a 100-entity miss as the rollup's daily table grows, without
// the rest of the growth bench (no Redis, no event-table growth, no rolls of the background). Embedded chDB in
// a temp dir; 100 target Models x 1,000 events rolled for real; background daily rows (six entity types,
// ~1M ids each, a year of days, one event each) are written straight into the daily table under the head
// roll's gen, then OPTIMIZE'd; at 2M and 30M background rows it times 7 calls of readMetricTotals (4 metrics
// of the growth bench + ratingCount, 5 timeframes, high water) and two plain queries for scale.
//   npx tsx --conditions=source packages/event-bus/bench/rollup-read.ts
// The 100,000 target events stay in `recent` (inserted minutes ago), so every read also filters them out of
// the open part, as a host would during the 15 minutes after rolling them; the last line at 30M reads again
// after emptying `recent` (the steady state once the roller dropped those slots, as bench:growth does).
// Each line: 7 calls sorted (wall ms), then the median process CPU ms (chDB runs in this process), which
// the machine's load inflates less than wall time.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouse } from '../src/sinks/clickhouse/client.js';
import { readMetricTotals } from '../src/sinks/clickhouse/metric-totals.js';
import { ensureMetricEventTable } from '../src/sinks/clickhouse/schema.js';
import { seedRollupBench, TARGET_METRICS, targetIds } from './rollup-bench-data.js';
import { median } from './stats.js';

const dir = mkdtempSync(join(tmpdir(), 'dbg-'));
const c = await openClickHouse({ path: dir });
await ensureMetricEventTable(c);
const nowMs = Date.now();
const T = TARGET_METRICS;
const ids = targetIds;
const { grow } = await seedRollupBench(c, nowMs);
async function time(label: string, f: () => Promise<unknown>) {
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 7; i++) {
    const u0 = process.cpuUsage();
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
    const u = process.cpuUsage(u0);
    cpu.push((u.user + u.system) / 1000);
  }
  ms.sort((a, b) => a - b);
  console.log(label.padEnd(28), ms.map((x) => x.toFixed(0)).join(' '), '| cpu', median(cpu).toFixed(0));
}
const miss = () =>
  readMetricTotals(c, {
    entityType: 'Model',
    entityIds: ids,
    metricTypes: T,
    timeframes: ['day', 'week', 'month', 'year', 'all'],
    highWater: true,
  });
const W = `entityType = 'Model' AND entityId IN [${ids.join(',')}]`;
for (const size of [2_000_000, 30_000_000]) {
  await grow(size);
  console.log('size', size, 'load', readFileSync('/proc/loadavg', 'utf8').trim());
  await time('readMetricTotals all tf hw', miss);
  await time('count daily', async () =>
    (
      await c.query({
        query: `SELECT count() FROM entityMetricEvents_daily WHERE ${W}`,
        format: 'JSONEachRow',
      })
    ).json(),
  );
  await time('sum total', async () =>
    (
      await c.query({
        query: `SELECT entityId, metricType, sum(total) FROM entityMetricEvents_daily WHERE ${W} GROUP BY entityId, metricType`,
        format: 'JSONEachRow',
      })
    ).json(),
  );
  await time('select 1', async () => (await c.query({ query: `SELECT 1`, format: 'JSONEachRow' })).json());
}
await c.command({ query: 'TRUNCATE TABLE entityMetricEvents_recent' });
console.log('recent emptied, load', readFileSync('/proc/loadavg', 'utf8').trim());
await time('readMetricTotals all tf hw', miss);
await c.close();
rmSync(dir, { recursive: true, force: true });
