// Read layouts of the rollup (issue 16): what a 100-entity miss and a 10k-id flush would cost on daily-table
// layouts that a schema change could give, measured as main's SQL against edits of it, on the growth bench's
// table (growth-table.ts), answers compared equal, variants interleaved call by call.
//   [DIR=/path/to/kept/chdb] [SIZE=30] [ROUNDS=9] npx tsx --conditions=source packages/search-sync/bench/read-layouts.ts
// The table is grown to SIZE million background rows (rolled, 50k live events) and four copies of the
// daily table are made from it, each merged to one part so that they compare with one another:
// - `_dn`: the daily table as main creates it (plus the `origins` column of one variant below);
// - `_dp`: the same with a projection ordered by (entityType, day, entityId, metricType, gen) holding the
//   event times and values (ClickHouse would keep it with every insert and merge);
// - `_edges`: a table of the times and values alone in that order (a roll would write it beside the daily
//   rows);
// - `_dm`: the head's chain with its closed months folded into one row per key, as compactions leave it
//   since 2026-12-06 (`months folded`: main's SQL on it; `_dn` is the table before any month fold).
// Variants (each the flush's four 2,500-id queries, or the miss's one query with the high water):
// - main on `_dn` and on `_dp` (what a projection costs queries that do not use it);
// - edges: the daily branch sums whole days only (no arrays read), and a second branch reads the times and
//   values of the four days the windows start in, from `_edges` or from `_dp`'s projection;
// - miss only: the high water from the origins present with the head roll's cut as their value, which
//   docs/reading-metrics.md allows (every event at or below a cut is stored; the values differ from main's
//   per-entity maxima, so they are not compared), read from the maps' keys (`hw keys, cut`) or from a column
//   of their own (`origins column, cut`: `Array(LowCardinality(String))` computed from the maps on insert,
//   in the copies); and without any high water (`no hw`: not exact for a fill, the bound of what it costs).
// PARTS=4,8,16 adds, per count N, `_dm<N>`: the months-folded rows in N parts, each row in part
// `cityHash64(entityId, metricType, day) % N`, merges stopped, as merges that fall behind leave the daily table
// (a miss reads a granule of every part for each id); `miss: months folded, N parts` reads each. The parts
// are printed as found, since a merge may run between opening the directory and stopping them. GRANULE=64
// adds the same copies with that `index_granularity` (`_dm<N>g<G>`; the table's is 256). ONLY=text runs only
// the variants whose name contains it (main's variant of each kind always runs: the answers are compared).
// BLOCKS=min,max adds copies whose compressed blocks are min to max bytes (`_dm<N>b<min>`). SPLIT_FLUSH=1 runs
// the flush on the split copies too. MAX_THREADS=n runs every query with that `max_threads`.
// SETTINGS_SETS='k=v,k=v|k=v' adds, per set, the split copies' misses again with those query settings (e.g.
// `max_read_buffer_size=65536`). EVENT_DELTAS=1 prints, per variant, the chDB counters one call moved.

// With DIR the grown table and the copies are kept there and reused by later runs (delete DIR to regrow);
// chDB allows one process per data directory. Prints per variant median wall ms (all rounds), median
// process CPU ms (chDB runs in this process), median rows selected and median minor page faults.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureMetricEventTable,
  METRIC_TIMEFRAMES,
  type MetricTimeframe,
  MONTH_FOLD_LAG_DAYS,
  openClickHouse,
  readRollState,
} from '@engagement/event-bus/sinks/clickhouse';
import { selectedCounters } from '../../event-bus/bench/chdb-counters.js';
import { median } from '../../event-bus/bench/stats.js';
import { rollupTotalsSql } from '../../event-bus/src/sinks/clickhouse/metric-totals-sql.js';
import { headChainFilter } from '../../event-bus/src/sinks/clickhouse/roll-state.js';
import { DAILY_COMPRESS_BLOCKS } from '../../event-bus/src/sinks/clickhouse/rollup-schema.js';
import { IMAGE_METRIC_TYPES } from '../src/index.js';
import { GrowthTable, one, TARGET_TYPES, targetIds } from './growth-table.js';

const SIZE = Number(process.env.SIZE ?? 30);
const PARTS = (process.env.PARTS ?? '').split(',').filter(Boolean).map(Number);
const GRANULE = process.env.GRANULE ? Number(process.env.GRANULE) : undefined;
const BLOCKS = process.env.BLOCKS?.split(',').map(Number);
const ONLY = process.env.ONLY;
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const dir = process.env.DIR ?? mkdtempSync(join(tmpdir(), 'read-layouts-'));
const grown = join(dir, 'read-layouts.json');
const clickhouse = await openClickHouse({ path: dir });

let nowMs: number;
if (existsSync(grown)) {
  nowMs = JSON.parse(readFileSync(grown, 'utf8')).nowMs;
} else {
  nowMs = Date.now();
  await ensureMetricEventTable(clickhouse);
  const growth = new GrowthTable(clickhouse, { nowMs, rollup: true, live: 50_000 });
  await growth.insertTargets();
  await growth.fillTo(SIZE * 1_000_000);
  await growth.openPart();
  await makeCopies();
  writeFileSync(grown, JSON.stringify({ nowMs }));
}

async function makeCopies(): Promise<void> {
  const columns = `entityType LowCardinality(String), entityId Int64, metricType LowCardinality(String),
  day Date32, gen UInt64`;
  const origins = 'origins Array(LowCardinality(String)) MATERIALIZED mapKeys(hw)';
  const edgeOrder = 'ORDER BY (entityType, day, entityId, metricType, gen)';
  const settings = `SETTINGS index_granularity = 256, ${DAILY_COMPRESS_BLOCKS}`;
  const tables = {
    dn: `(${columns}, total Int64, hw Map(String, UInt64), times Array(Int64), vals Array(Int64), ${origins})
ENGINE = MergeTree ORDER BY (entityType, entityId, metricType, day, gen) ${settings}`,
    dp: `(${columns}, total Int64, hw Map(String, UInt64), times Array(Int64), vals Array(Int64), ${origins},
  PROJECTION edges (SELECT entityType, entityId, metricType, day, gen, times, vals ${edgeOrder}))
ENGINE = MergeTree ORDER BY (entityType, entityId, metricType, day, gen) ${settings}`,
    edges: `(${columns}, times Array(Int64), vals Array(Int64)) ENGINE = MergeTree ${edgeOrder} ${settings}`,
    dm: `(${columns}, total Int64, hw Map(String, UInt64), times Array(Int64), vals Array(Int64))
ENGINE = MergeTree ORDER BY (entityType, entityId, metricType, day, gen) ${settings}`,
  };
  for (const [name, ddl] of Object.entries(tables)) {
    const table = `entityMetricEvents_${name}`;
    await clickhouse.command({ query: `CREATE TABLE ${table} ${ddl}` });
    if (name === 'dm') {
      await monthCopy(table);
      continue;
    }
    const cols = `entityType, entityId, metricType, day, gen, ${name === 'edges' ? '' : 'total, hw, '}times, vals`;
    await clickhouse.command({
      query: `INSERT INTO ${table} (${cols}) SELECT ${cols} FROM entityMetricEvents_daily`,
    });
    await clickhouse.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
  }
}

/**
 * `_dm`: the head's chain with every closed month folded into one row per key at its first day, as
 * compactions leave it (metric-compaction.ts; here all in one insert, under the head's gen).
 */
async function monthCopy(table: string): Promise<void> {
  const head = (await readRollState(clickhouse))!;
  const chain = headChainFilter(head);
  const open = `toStartOfMonth(toDate32(fromUnixTimestamp64Milli(${nowMs - MONTH_FOLD_LAG_DAYS * 86_400_000}, 'UTC')))`;
  await clickhouse.command({
    query: `INSERT INTO ${table} (entityType, entityId, metricType, day, gen, total, hw, times, vals)
SELECT entityType, entityId, metricType, if(day < ${open}, toStartOfMonth(day), day) AS b, ${head.head!.gen},
  sum(total), maxMap(hw), arrayFlatten(groupArray(times)), arrayFlatten(groupArray(vals))
FROM entityMetricEvents_daily WHERE ${chain.sql}
GROUP BY entityType, entityId, metricType, b`,
    query_params: chain.params,
  });
  await clickhouse.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
}

/**
 * `_dm<n>` for each of PARTS (and `_dm<n>g<G>` with GRANULE), made once per directory: `_dm`'s rows in `n`
 * parts that do not merge. Returns each table with the parts it has.
 */
async function splitCopies(): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const shapes = PARTS.flatMap((n) => [
    { n, table: `entityMetricEvents_dm${n}`, ddl: 'AS entityMetricEvents_dm' },
    ...(GRANULE
      ? [
          {
            n,
            table: `entityMetricEvents_dm${n}g${GRANULE}`,
            ddl: `AS entityMetricEvents_dm ENGINE = MergeTree ORDER BY (entityType, entityId, metricType, day, gen)
SETTINGS index_granularity = ${GRANULE}, ${DAILY_COMPRESS_BLOCKS}`,
          },
        ]
      : []),
    ...(BLOCKS
      ? [
          {
            n,
            table: `entityMetricEvents_dm${n}b${BLOCKS[0]}`,
            ddl: `AS entityMetricEvents_dm ENGINE = MergeTree ORDER BY (entityType, entityId, metricType, day, gen)
SETTINGS index_granularity = 256, min_compress_block_size = ${BLOCKS[0]}, max_compress_block_size = ${BLOCKS[1]}`,
          },
        ]
      : []),
  ]);
  for (const { n, table, ddl } of shapes) {
    await clickhouse.command({ query: `CREATE TABLE IF NOT EXISTS ${table} ${ddl}` });
    await clickhouse.command({ query: `SYSTEM STOP MERGES ${table}` });
    const { rows } = await one<{ rows: string }>(clickhouse, `SELECT count() AS rows FROM ${table}`);
    if (Number(rows) === 0) {
      for (let k = 0; k < n; k++) {
        await clickhouse.command({
          query: `INSERT INTO ${table} SELECT * FROM entityMetricEvents_dm
WHERE cityHash64(entityId, metricType, day) % ${n} = ${k}`,
          // One part per insert: blocks squashed up to the whole selection, written by one thread.
          clickhouse_settings: {
            max_insert_threads: '1',
            min_insert_block_size_rows: '1000000000',
            min_insert_block_size_bytes: '100000000000',
          },
        });
      }
    }
    const { parts } = await one<{ parts: string }>(
      clickhouse,
      `SELECT count() AS parts FROM system.parts WHERE database = currentDatabase() AND table = '${table}' AND active`,
    );
    found.set(table, Number(parts));
  }
  return found;
}
const splitParts = await splitCopies();

const state = (await readRollState(clickhouse))!;
const timeframes = [...METRIC_TIMEFRAMES];
const windowed = timeframes.filter((tf) => tf !== 'all');
const now = new Date(nowMs);
const dayOf = (tf: MetricTimeframe) => `toDate32(fromUnixTimestamp64Milli({s_${tf}:Int64}, 'UTC'))`;
const inWindow = (tf: MetricTimeframe) =>
  `arraySum(arrayMap((ms, v) -> if(ms >= {s_${tf}:Int64}, v, 0), times, vals))`;

type Edit = (sql: string) => string;
const replaceOnce = (sql: string, from: string, to: string) => {
  if (!sql.includes(from)) throw new Error(`main's SQL changed: no ${from}`);
  return sql.replace(from, to);
};
/** Main's daily branch reads `table` instead. */
const dailyFrom =
  (table: string): Edit =>
  (sql) =>
    replaceOnce(sql, 'FROM entityMetricEvents_daily\n', `FROM ${table}\n`);
/** Whole days from the daily rows; the days the windows start in from `edgeTable`'s times and values. */
const edges =
  (dailyTable: string, edgeTable: string, highWater: boolean): Edit =>
  (sql) => {
    let out = dailyFrom(dailyTable)(sql);
    for (const tf of windowed) {
      const main = `sum(multiIf(day > ${dayOf(tf)}, total, day = ${dayOf(tf)} OR day = toStartOfMonth(${dayOf(tf)}), ${inWindow(tf)}, 0))`;
      out = replaceOnce(out, main, `sumIf(total, day > ${dayOf(tf)})`);
    }
    const daily = out.match(
      /(SELECT entityId, metricType, [^\n]*\nFROM \w+\nWHERE ([^\n]*)\nGROUP BY entityId, metricType)/,
    );
    if (!daily) throw new Error("main's SQL changed: no daily branch");
    const cols = [
      ...windowed.map((tf) => `sumIf(${inWindow(tf)}, day = ${dayOf(tf)}) AS t_${tf}`),
      '0 AS t_all',
      ...(highWater ? ['CAST([] AS Array(String)) AS hwk', 'CAST([] AS Array(UInt64)) AS hwv'] : []),
    ];
    const edge = `SELECT entityId, metricType, ${cols.join(', ')}
FROM ${edgeTable}
WHERE ${daily[2]} AND day IN (${windowed.map(dayOf).join(', ')})
GROUP BY entityId, metricType`;
    return out.replace(daily[1]!, `${daily[1]}\nUNION ALL\n${edge}`);
  };
const MAIN_HW = 'mapKeys(maxMap(hw)) AS hwk, mapValues(maxMap(hw)) AS hwv';
/** The origins present (from `column`), each with the head roll's cut as its high water. */
const hwCut =
  (column: string): Edit =>
  (sql) =>
    replaceOnce(
      sql,
      MAIN_HW,
      `groupUniqArrayArray(${column}) AS hwk, arrayMap(o -> {cuts:Map(String, UInt64)}[o], hwk) AS hwv`,
    );
const noHw: Edit = (sql) =>
  replaceOnce(sql, MAIN_HW, 'CAST([] AS Array(String)) AS hwk, CAST([] AS Array(UInt64)) AS hwv');

const flushIds = Array.from({ length: 10_000 }, (_, i) => 1 + i * 100); // as growth.ts: spread over Images
const chunks = [0, 1, 2, 3].map((k) => flushIds.slice(k * 2_500, (k + 1) * 2_500));
const flushSql = (ids: number[]) =>
  rollupTotalsSql(
    'entityMetricEvents',
    { entityType: 'Image', entityIds: ids, metricTypes: IMAGE_METRIC_TYPES, timeframes, now },
    ids,
    timeframes,
    nowMs,
    state,
  );
const missSql = () =>
  rollupTotalsSql(
    'entityMetricEvents',
    {
      entityType: 'Model',
      entityIds: targetIds,
      metricTypes: TARGET_TYPES,
      timeframes,
      now,
      highWater: true,
    },
    targetIds,
    timeframes,
    nowMs,
    state,
  );

async function run(
  sql: string,
  params: Record<string, unknown>,
  extra: Record<string, string> = {},
): Promise<string[]> {
  const result = await clickhouse.query({
    query: sql,
    query_params: { ...params, cuts: state.head!.cuts },
    format: 'JSONCompact',
    clickhouse_settings: {
      output_format_json_quote_64bit_integers: 0,
      ...(process.env.MAX_THREADS ? { max_threads: Number(process.env.MAX_THREADS) } : {}),
      ...extra,
    },
  });
  return (await result.json<unknown[]>()).data.map((row) => JSON.stringify(row)).sort();
}
const flush = (edit: Edit) => async () => {
  const out: string[] = [];
  for (const ids of chunks) {
    const { sql, params } = flushSql(ids);
    out.push(...(await run(edit(sql), params)));
  }
  return out;
};
const miss = (edit: Edit, extra?: Record<string, string>) => async () => {
  const { sql, params } = missSql();
  return run(edit(sql), params, extra);
};
const settingsSets = (process.env.SETTINGS_SETS ?? '')
  .split('|')
  .filter(Boolean)
  .map((set) => Object.fromEntries(set.split(',').map((kv) => kv.split('=') as [string, string])));

const DN = 'entityMetricEvents_dn';
const DP = 'entityMetricEvents_dp';
const EDGES = 'entityMetricEvents_edges';
const DM = 'entityMetricEvents_dm';
/** What both queries run on: main's SQL on each copy, and the edges read from the table or the projection. */
const layouts: [string, (highWater: boolean) => Edit][] = [
  ['main', () => dailyFrom(DN)],
  ['main, table with projection', () => dailyFrom(DP)],
  ['edges table', (highWater) => edges(DN, EDGES, highWater)],
  ['edges projection', (highWater) => edges(DP, DP, highWater)],
  ['months folded', () => dailyFrom(DM)],
];
const variants: { name: string; exact: boolean; run: () => Promise<string[]> }[] = [
  ...layouts.map(([name, edit]) => ({ name: `flush: ${name}`, exact: true, run: flush(edit(false)) })),
  ...layouts.map(([name, edit]) => ({ name: `miss: ${name}`, exact: true, run: miss(edit(true)) })),
  { name: 'miss: hw keys, cut', exact: false, run: miss((s) => hwCut('mapKeys(hw)')(dailyFrom(DN)(s))) },
  { name: 'miss: origins column, cut', exact: false, run: miss((s) => hwCut('origins')(dailyFrom(DN)(s))) },
  { name: 'miss: no hw', exact: false, run: miss((s) => noHw(dailyFrom(DN)(s))) },
  { name: 'miss: edges table, no hw', exact: false, run: miss((s) => noHw(edges(DN, EDGES, true)(s))) },
  { name: 'miss: months folded, no hw', exact: false, run: miss((s) => noHw(dailyFrom(DM)(s))) },
  ...[...splitParts].flatMap(([table, parts]) => {
    const name = `months folded, ${parts} parts${table.match(/g\d+$/) ? `, granule ${GRANULE}` : ''}${table.match(/b\d+$/) ? `, blocks ${BLOCKS}` : ''}`;
    return [
      { name: `miss: ${name}`, exact: true, run: miss(dailyFrom(table)) },
      ...(process.env.SPLIT_FLUSH
        ? [{ name: `flush: ${name}`, exact: true, run: flush(dailyFrom(table)) }]
        : []),
    ];
  }),
  ...[...splitParts].flatMap(([table, parts]) =>
    settingsSets.map((extra) => ({
      name: `miss: months folded, ${parts} parts, ${Object.entries(extra)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')}`,
      exact: true,
      run: miss(dailyFrom(table), extra),
    })),
  ),
].filter((v) => !ONLY || v.name.includes(ONLY) || v.name.endsWith(': main'));

const figures = new Map(
  variants.map((v) => [
    v.name,
    { ms: [] as number[], cpu: [] as number[], rows: [] as number[], faults: [] as number[] },
  ]),
);
const expected = new Map<string, string>();
for (let round = -1; round < ROUNDS; round++) {
  for (const v of variants) {
    const c0 = await selectedCounters(clickhouse);
    const u0 = process.cpuUsage();
    const faults0 = process.resourceUsage().minorPageFault;
    const t0 = performance.now();
    const rows = await v.run();
    const ms = performance.now() - t0;
    const u = process.cpuUsage(u0);
    const faults = process.resourceUsage().minorPageFault - faults0;
    const c1 = await selectedCounters(clickhouse);
    const kind = v.name.split(':')[0]!;
    if (v.name.endsWith(': main')) expected.set(kind, JSON.stringify(rows));
    else if (v.exact && JSON.stringify(rows) !== expected.get(kind))
      throw new Error(`${v.name}: answers differ`);
    if (round < 0) continue; // warm-up
    const f = figures.get(v.name)!;
    f.ms.push(ms);
    f.cpu.push((u.user + u.system) / 1000);
    f.rows.push(c1.rows - c0.rows);
    f.faults.push(faults);
  }
}

console.log(
  `read layouts at ${SIZE}M background rows, ${ROUNDS} rounds; answers of every exact variant equal main's`,
);
console.log(
  `${'variant'.padEnd(36)} ${'wall ms'.padStart(8)} ${'CPU ms'.padStart(7)} ${'rows'.padStart(10)} ${'faults'.padStart(7)}  all wall ms`,
);
for (const [name, f] of figures) {
  const all = f.ms.map((x) => x.toFixed(0)).join(' ');
  console.log(
    `${name.padEnd(36)} ${median(f.ms).toFixed(1).padStart(8)} ${median(f.cpu).toFixed(0).padStart(7)} ${String(median(f.rows)).padStart(10)} ${String(median(f.faults)).padStart(7)}  ${all}`,
  );
}
// EVENT_DELTAS=1: chDB's system.events counters that one more call of each variant moved.
if (process.env.EVENT_DELTAS) {
  const events = async () =>
    new Map(
      (
        await (
          await clickhouse.query({ query: 'SELECT event, value FROM system.events', format: 'JSONEachRow' })
        ).json<{ event: string; value: string }>()
      ).map((r) => [r.event, Number(r.value)]),
    );
  for (const v of variants) {
    const e0 = await events();
    await v.run();
    const e1 = await events();
    const moved = [...e1].map(([k, x]) => [k, x - (e0.get(k) ?? 0)] as const).filter(([, d]) => d !== 0);
    console.log(`\n${v.name}:\n${moved.map(([k, d]) => `  ${k} ${d}`).join('\n')}`);
  }
}
await clickhouse.close();
if (!process.env.DIR) rmSync(dir, { recursive: true, force: true });
