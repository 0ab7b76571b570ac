// Busy entities (issue 16, "reads whose cost does not grow with an entity's history"): what a miss costs when
// the read rollup's daily rows are one per roll, as rolling writes them, against the same rows compacted
// (compactRollup) and against one row per day written directly. Embedded chDB in a temp dir, nothing else:
//   npm run bench:busy -- [entities] [--days 30,365] [--rolls-per-day 1440] [--samples 15]
//   (the same: npx tsx --conditions=source packages/event-bus/bench/busy-entity.ts …)
// Each entity has an event per metric (5) in every roll of every day, as a page with traffic every minute
// has at the default roll interval (60 s: 1,440 rolls a day). The daily rows are written straight into
// rollup tables in SQL: `perRoll` holds one row per entity, metric, day and roll (one event each, what a
// roll that touched the key writes); `compacted` the same, then compacted as hosts do (compactions until no
// day is left to fold, then the sweep of the replaced rows, its deadline moved back); `perDay` one row per
// entity, metric and day. All are read with readMetricTotals, interleaved, and their answers must be equal
// and count every event: once with every timeframe and the high water (a fill's miss), once with 'all' only
// (which reads no event times). Rows read are the delta of chDB's SelectedRows counter around each read,
// less what reading the counter adds; they include the rolls table's rows (1, or a few after compactions).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouse } from '../src/sinks/clickhouse/client.js';
import { compactRollup } from '../src/sinks/clickhouse/metric-compaction.js';
import { type MetricTotalsQuery, readMetricTotals } from '../src/sinks/clickhouse/metric-totals.js';
import { rollupTables } from '../src/sinks/clickhouse/rollup-schema.js';
import { ensureMetricEventTable } from '../src/sinks/clickhouse/schema.js';
import type { MetricTimeframe } from '../src/sinks/clickhouse/timeframes.js';
import { selectedCounters } from './chdb-counters.js';
import { percentile } from './stats.js';

const flag = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const ENTITIES = Number(process.argv[2]?.startsWith('--') ? 10 : (process.argv[2] ?? 10));
const DAYS = (flag('days') ?? '30,365').split(',').map(Number);
const ROLLS_PER_DAY = Number(flag('rolls-per-day') ?? 1440);
const SAMPLES = Number(flag('samples') ?? 15);
const WARMUP = 2;
const METRICS = ['downloadCount', 'likeCount', 'commentCount', 'ratingSum', 'ratingCount'];
const DAY_MS = 86_400_000;
const LAYOUTS = [
  { table: 'perRoll', rowsPerDay: ROLLS_PER_DAY, compact: false },
  { table: 'compacted', rowsPerDay: ROLLS_PER_DAY, compact: true },
  { table: 'perDay', rowsPerDay: 1, compact: false },
] as const;
const READS: { label: string; timeframes: MetricTimeframe[] }[] = [
  { label: 'every timeframe', timeframes: ['day', 'week', 'month', 'year', 'all'] },
  { label: "'all' only", timeframes: ['all'] },
];

const nowMs = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'busy-entity-'));
const client = await openClickHouse({ path: dir });
const ids = Array.from({ length: ENTITIES }, (_, i) => i + 1);
const metricList = `[${METRICS.map((m) => `'${m}'`).join(',')}]`;

const events = (days: number) => ENTITIES * METRICS.length * days * ROLLS_PER_DAY;

/** Event k is entity 1 + k % E, metric (k / E) % 5, in roll slot k / (5E): slot / R days and slot % R rolls back. */
async function fill(table: string, days: number, rowsPerDay: number): Promise<number> {
  await ensureMetricEventTable(client, table);
  await client.command({
    query: `INSERT INTO ${rollupTables(table).daily} (entityType, entityId, metricType, day, gen, total, hw, times, vals)
SELECT 'Model', e, m, toDate32(fromUnixTimestamp64Milli(toInt64(intDiv(ms, ${DAY_MS}) * ${DAY_MS}), 'UTC')) AS d, 0,
  count(), maxMap(map('bench:0', toUInt64(k))), groupArray(toInt64(ms)), groupArray(toInt64(1))
FROM (
  SELECT number AS k, 1 + number % ${ENTITIES} AS e, ${metricList}[1 + intDiv(number, ${ENTITIES}) % ${METRICS.length}] AS m,
    intDiv(number, ${ENTITIES * METRICS.length}) AS slot,
    ${nowMs} - intDiv(slot, ${ROLLS_PER_DAY}) * ${DAY_MS} - (slot % ${ROLLS_PER_DAY}) * ${Math.floor(DAY_MS / ROLLS_PER_DAY)} AS ms
  FROM numbers(${events(days)})
)
GROUP BY e, m, d${rowsPerDay === 1 ? '' : ', slot'}
SETTINGS max_insert_threads = 1`,
  });
  const [row] = await (
    await client.query({
      query: `SELECT count() AS n FROM ${rollupTables(table).daily}`,
      format: 'JSONEachRow',
    })
  ).json<{ n: string }>();
  return Number(row!.n);
}

/**
 * Compacts `table` as hosts would, until no day is left to fold, then sweeps the replaced rows (their
 * 15-minute deadline moved back, as the next compaction after it would find it).
 */
async function compactAll(table: string): Promise<void> {
  const daily = rollupTables(table).daily;
  const t0 = performance.now();
  let compactions = 0;
  while ((await compactRollup(client, { table })).committed) compactions++;
  const folded = performance.now() - t0;
  await client.command({
    query: `ALTER TABLE ${rollupTables(table).rolls} UPDATE floors = mapApply((d, f) -> (d, (f.1, 0 + (f.2 > 0))), floors) WHERE 1`,
    clickhouse_settings: { mutations_sync: '2' },
  });
  const t1 = performance.now();
  const swept = await compactRollup(client, { table });
  const [row] = await (
    await client.query({ query: `SELECT count() AS n FROM ${daily}`, format: 'JSONEachRow' })
  ).json<{ n: string }>();
  console.log(
    `    ${compactions} compactions (up to 31 days each) in ${(folded / 1000).toFixed(1)} s; sweep of ${swept.swept.length} days in ${((performance.now() - t1) / 1000).toFixed(1)} s; ${row!.n} daily rows left`,
  );
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

console.log(`${ENTITIES} busy Models, 5 metrics, ${ROLLS_PER_DAY} rolls a day; load ${load()}`);
for (const days of DAYS) {
  for (const { table, rowsPerDay, compact } of LAYOUTS) {
    const t0 = performance.now();
    const rows = await fill(table, days, rowsPerDay);
    console.log(
      `  ${days} days, ${table}: ${rows} daily rows written in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (compact) await compactAll(table);
  }
  for (const { label, timeframes } of READS) {
    const ms: Record<string, number[]> = Object.fromEntries(LAYOUTS.map(({ table }) => [table, []]));
    const rowsRead: Record<string, number> = {};
    for (let s = 0; s < WARMUP + SAMPLES; s++) {
      let first = '';
      for (const { table } of LAYOUTS) {
        const query: MetricTotalsQuery = {
          table,
          entityType: 'Model',
          entityIds: ids,
          metricTypes: METRICS,
          timeframes,
          now: new Date(nowMs + 1),
          highWater: true,
        };
        const idle = await selectedCounters(client);
        const before = await selectedCounters(client);
        const counterRows = before.rows - idle.rows; // what reading system.events itself adds
        const t0 = performance.now();
        const totals = await readMetricTotals(client, query);
        const elapsed = performance.now() - t0;
        const after = await selectedCounters(client);
        const text = JSON.stringify(totals);
        const counted = totals.reduce(
          (n, t) => n + Object.values(t.totals).reduce((m, byTf) => m + byTf.all, 0),
          0,
        );
        if (counted !== events(days))
          throw new Error(`${table} counted ${counted} of ${events(days)} events`);
        if (!first) first = text;
        else if (text !== first) throw new Error(`${table} answers differently from ${LAYOUTS[0].table}`);
        if (s >= WARMUP) ms[table]!.push(elapsed);
        rowsRead[table] = after.rows - before.rows - counterRows;
      }
    }
    for (const { table } of LAYOUTS) {
      const xs = ms[table]!;
      console.log(
        `  ${days} days, ${label.padEnd(15)} ${table.padEnd(7)}: miss p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms, ${rowsRead[table]} rows read`,
      );
    }
  }
  for (const { table } of LAYOUTS) {
    const t = rollupTables(table);
    for (const name of [t.mv, t.recent, t.daily, t.rolls, table])
      await client.command({ query: `DROP TABLE IF EXISTS ${name}` });
  }
}
console.log(`load ${load()}`);
await client.close();
rmSync(dir, { recursive: true, force: true });
