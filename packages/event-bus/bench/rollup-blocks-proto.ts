// Prototype of a coarser rollup level (issue 16, stage 1): does reading blocks of K days cut a 100-entity
// miss? Data as rollup-read.ts (100 target Models x 1,000 events over a year, rolled for real; background
// daily rows written under the head roll's gen, OPTIMIZE'd). Block rows are built by hand in SQL: per
// entity, metric and block of K days before the current block, the sum and max high water of the daily
// rows of gen <= the head. Then 9 rounds (after a warm-up) interleave, call by call:
// - daily:  the rollup query of readMetricTotals as on main (5 metrics, 5 timeframes, high water);
// - blocks: the same totals from block rows for blocks wholly after a window's start block (all of them
//   for 'all'), and daily rows only for the blocks the windows start in, the days after the last compacted
//   block and rolls after the compacted head (none here), the open part as on main;
// - floors: sum(total) over the daily rows / the block rows of the 100 entities, and SELECT 1;
// - the three parts of `blocks` alone, and its daily part with sum(total) only;
// - series: one row per entity and metric with all its events' times and values as arrays (built from the
//   daily rows, merged), read in one scan plus the open part.
// Block rows are OPTIMIZE'd (merged) before reading, as the daily rows are. All three answers must be equal. Per variant: median and max wall ms, median process CPU ms (chDB runs in
// this process), median rows and marks selected (delta of SelectedRows / SelectedMarks in system.events).
//   BLOCK_DAYS=16,32 SIZES=2,30 [GRANULE=32] npx tsx --conditions=source packages/event-bus/bench/rollup-blocks-proto.ts
// GRANULE=n creates the daily and block tables with index_granularity n (main: 256).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openClickHouse } from '../src/sinks/clickhouse/client.js';
import { rollupTotalsSql } from '../src/sinks/clickhouse/metric-totals-sql.js';
import { type RollState, readRollState } from '../src/sinks/clickhouse/roll-state.js';
import { rollupDdl } from '../src/sinks/clickhouse/rollup-schema.js';
import { ensureMetricEventTable, metricEventTableDdl } from '../src/sinks/clickhouse/schema.js';
import { type MetricTimeframe, windowStartMs } from '../src/sinks/clickhouse/timeframes.js';
import { selectedCounters } from './chdb-counters.js';
import { seedRollupBench, TARGET_METRICS, targetIds } from './rollup-bench-data.js';
import { median } from './stats.js';

const blockDays = (process.env.BLOCK_DAYS ?? '16,32').split(',').map(Number);
const sizes = (process.env.SIZES ?? '2,30').split(',').map((s) => Number(s) * 1_000_000);
const granule = Number(process.env.GRANULE ?? 256);
const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'blk-'));
const c = await openClickHouse({ path: dir });
await c.command({ query: metricEventTableDdl() });
for (const q of rollupDdl().slice(0, -1)) {
  await c.command({ query: q.replace('index_granularity = 256', `index_granularity = ${granule}`) });
}
await ensureMetricEventTable(c);
// Rows of rolls after the compacted head are found through this index (the sorting key has gen after day).
await c.command({
  query: 'ALTER TABLE entityMetricEvents_daily ADD INDEX day_gen (day, gen) TYPE minmax GRANULARITY 1',
});
await c.command({
  query: `CREATE TABLE entityMetricEvents_blocks (
  entityType LowCardinality(String), entityId Int64, metricType LowCardinality(String), block Int32, comp UInt64,
  total Int64, hw Map(String, UInt64)
) ENGINE = MergeTree PARTITION BY comp ORDER BY (entityType, entityId, metricType, block)
SETTINGS index_granularity = ${granule}`,
});
const nowMs = Date.now();
const T = TARGET_METRICS;
const ids = targetIds;
const r = await seedRollupBench(c, nowMs);
const { grow } = r;
await c.command({ query: 'TRUNCATE TABLE entityMetricEvents_recent' }); // the steady state: all rolled

interface Compacted {
  comp: number;
  head: number;
  K: number;
  /** First block not compacted. */
  blocks: number;
}

/** Block rows by hand: every closed block (before the current one) of the head's chain. */
async function compact(K: number, comp: number, state: RollState): Promise<Compacted> {
  const blocks = Math.floor(Math.floor(nowMs / DAY) / K);
  await c.command({
    query: `INSERT INTO entityMetricEvents_blocks
SELECT entityType, entityId, metricType, toInt32(floor(toInt32(day) / ${K})) AS block, ${comp}, sum(total), maxMap(hw)
FROM entityMetricEvents_daily
WHERE gen <= ${state.head!.gen} AND NOT has({excluded:Array(UInt64)}, gen) AND block < ${blocks}
GROUP BY entityType, entityId, metricType, block`,
    query_params: { excluded: state.excluded },
  });
  return { comp, head: state.head!.gen, K, blocks };
}

/** readMetricTotals' rollup query with its daily part replaced by block rows + the daily rows still needed. */
function blocksSql(timeframes: readonly MetricTimeframe[], state: RollState, cp: Compacted) {
  const main = rollupTotalsSql('entityMetricEvents', query, ids, timeframes, nowMs, state);
  const params: Record<string, unknown> = {
    ...main.params,
    cHead: cp.head,
    cComp: cp.comp,
    cBlocks: cp.blocks,
  };
  const dayText = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);
  params.cFrom = dayText(cp.blocks * cp.K);
  const windowed = timeframes.filter((tf) => tf !== 'all');
  const blockOf = (tf: MetricTimeframe) => Math.floor(Math.floor(windowStartMs(tf, nowMs)! / DAY) / cp.K);
  const ranges: string[] = [];
  for (const tf of windowed) {
    const b = blockOf(tf);
    params[`b_${tf}`] = b;
    params[`bFrom_${tf}`] = dayText(b * cp.K);
    params[`bTo_${tf}`] = dayText((b + 1) * cp.K);
    if (b < cp.blocks) ranges.push(`(day >= {bFrom_${tf}:Date32} AND day < {bTo_${tf}:Date32})`);
  }
  const startDay = (tf: string) => `toDate32(fromUnixTimestamp64Milli({s_${tf}:Int64}, 'UTC'))`;
  const later = 'gen > {cHead:UInt64} OR day >= {cFrom:Date32}';
  const hw = 'mapKeys(maxMap(hw)) AS hwk, mapValues(maxMap(hw)) AS hwv';
  const cols = (all: string, w: (tf: string) => string) =>
    timeframes.map((tf) => (tf === 'all' ? `${all} AS t_all` : `${w(tf)} AS t_${tf}`)).join(', ');
  // A daily row of a compacted block (gen ≤ head) counts for a window only in the block it starts in.
  const daily = `SELECT entityId, metricType, ${cols(
    `sumIf(total, ${later})`,
    (tf) =>
      `sum(if(gen <= {cHead:UInt64} AND day < {cFrom:Date32} AND day >= {bTo_${tf}:Date32}, 0, multiIf(day > ${startDay(tf)}, total, day = ${startDay(tf)}, arraySum(arrayMap((ms, v) -> if(ms >= {s_${tf}:Int64}, v, 0), times, vals)), 0)))`,
  )}, ${hw}
FROM entityMetricEvents_daily
PREWHERE entityType = {entityType:String} AND entityId IN {ids:Array(Int64)} AND metricType IN {types:Array(String)}
  AND gen <= {head:UInt64} AND NOT has({excluded:Array(UInt64)}, gen) AND (${[later, ...ranges].join(' OR ')})
GROUP BY entityId, metricType`;
  const blockRows = `SELECT entityId, metricType, ${cols('sum(total)', (tf) => `sumIf(total, block > {b_${tf}:Int32})`)}, ${hw}
FROM entityMetricEvents_blocks
WHERE entityType = {entityType:String} AND entityId IN {ids:Array(Int64)} AND metricType IN {types:Array(String)}
  AND comp = {cComp:UInt64} AND block < {cBlocks:Int32}
GROUP BY entityId, metricType`;
  const parts = main.sql.split('UNION ALL');
  if (parts.length !== 2) throw new Error('unexpected shape of the rollup query');
  const head = parts[0]!.slice(0, parts[0]!.indexOf('FROM (') + 7);
  return {
    sql: `${head}${daily}\nUNION ALL\n${blockRows}\nUNION ALL${parts[1]}`,
    params,
    parts: [daily, blockRows, parts[1]!.slice(0, parts[1]!.lastIndexOf(')'))],
  };
}

async function selected(): Promise<[number, number]> {
  const { rows, marks } = await selectedCounters(c);
  return [rows, marks];
}
const timeframes = ['day', 'week', 'month', 'year', 'all'] as const;
const query = { entityType: 'Model', entityIds: ids, metricTypes: T, timeframes, highWater: true };
const sortRows = (rows: { entityId: string; metricType: string }[]) =>
  JSON.stringify(
    rows.sort((a, b) => Number(a.entityId) - Number(b.entityId) || a.metricType.localeCompare(b.metricType)),
  );

/**
 * The alternative the figures point to (docs/performance-history.md): one row per entity and metric holding
 * all its events' times and values as arrays, so a miss reads about one granule per entity from one table.
 */
async function buildSeries(): Promise<void> {
  await c.command({ query: 'DROP TABLE IF EXISTS entityMetricEvents_series' });
  await c.command({
    query: `CREATE TABLE entityMetricEvents_series (
  entityType LowCardinality(String), entityId Int64, metricType LowCardinality(String),
  times Array(Int64), vals Array(Int64), hw Map(String, UInt64)
) ENGINE = MergeTree ORDER BY (entityType, entityId, metricType) SETTINGS index_granularity = ${granule}`,
  });
  await c.command({
    query: `INSERT INTO entityMetricEvents_series
SELECT entityType, entityId, metricType, arrayFlatten(groupArray(times)), arrayFlatten(groupArray(vals)), maxMap(hw)
FROM entityMetricEvents_daily WHERE gen <= ${r.gen} GROUP BY entityType, entityId, metricType`,
  });
  await c.command({ query: 'OPTIMIZE TABLE entityMetricEvents_series FINAL' });
}
const seriesSql = (state: RollState) => {
  const main = rollupTotalsSql('entityMetricEvents', query, ids, timeframes, nowMs, state);
  const cols = timeframes.map((tf) =>
    tf === 'all'
      ? 'sum(arraySum(vals)) AS t_all'
      : `sum(arraySum(arrayMap((ms, v) -> if(ms >= {s_${tf}:Int64}, v, 0), times, vals))) AS t_${tf}`,
  );
  const series = `SELECT entityId, metricType, ${cols.join(', ')}, mapKeys(maxMap(hw)) AS hwk, mapValues(maxMap(hw)) AS hwv
FROM entityMetricEvents_series
WHERE entityType = {entityType:String} AND entityId IN {ids:Array(Int64)} AND metricType IN {types:Array(String)}
GROUP BY entityId, metricType`;
  const parts = main.sql.split('UNION ALL');
  const head = parts[0]!.slice(0, parts[0]!.indexOf('FROM (') + 7);
  return { sql: `${head}${series}\nUNION ALL${parts[1]}`, params: main.params };
};

let comp = 0;
for (const size of sizes) {
  await grow(size);
  for (const K of blockDays) {
    const state = (await readRollState(c))!;
    const t0 = performance.now();
    const cp = await compact(K, ++comp, state);
    const compactMs = performance.now() - t0;
    // Merged, as the daily table is (a compaction's many insert parts would otherwise be read one by one).
    const t1 = performance.now();
    await c.command({ query: `OPTIMIZE TABLE entityMetricEvents_blocks PARTITION ${comp} FINAL` });
    const mergeMs = performance.now() - t1;
    const blockCount = await (
      await c.query({
        query: `SELECT count() AS n FROM entityMetricEvents_blocks WHERE comp = ${comp}`,
        format: 'JSONEachRow',
      })
    ).json<{ n: string }>();
    const withBlocks = blocksSql(timeframes, state, cp);
    const t2 = performance.now();
    await buildSeries();
    const seriesMs = performance.now() - t2;
    const W = `entityType = 'Model' AND entityId IN {ids:Array(Int64)}`;
    const variants: Record<string, { sql: string; params: Record<string, unknown> }> = {
      daily: rollupTotalsSql('entityMetricEvents', query, ids, timeframes, nowMs, state),
      blocks: withBlocks,
      'sum(total) daily': {
        sql: `SELECT entityId, metricType, sum(total) FROM entityMetricEvents_daily WHERE ${W} GROUP BY entityId, metricType`,
        params: { ids },
      },
      'sum(total) blocks': {
        sql: `SELECT entityId, metricType, sum(total) FROM entityMetricEvents_blocks WHERE ${W} AND comp = ${comp} GROUP BY entityId, metricType`,
        params: { ids },
      },
      'blocks: daily part': { sql: withBlocks.parts[0]!, params: withBlocks.params },
      'blocks: block part': { sql: withBlocks.parts[1]!, params: withBlocks.params },
      'blocks: open part': { sql: withBlocks.parts[2]!, params: withBlocks.params },
      'blocks: daily, sum': {
        sql: `SELECT entityId, metricType, sum(total) ${withBlocks.parts[0]!.slice(withBlocks.parts[0]!.indexOf('FROM'))}`,
        params: withBlocks.params,
      },
      series: seriesSql(state),
      'SELECT 1': { sql: 'SELECT 1', params: {} },
    };
    const [o0] = await selected();
    const [o1] = await selected();
    const overhead = o1 - o0; // reading system.events selects this much itself
    const stats: Record<string, { ms: number[]; cpu: number[]; rows: number[]; marks: number[] }> = {};
    const load0 = readFileSync('/proc/loadavg', 'utf8').trim();
    for (let round = 0; round < 10; round++) {
      const answers: Record<string, string> = {};
      for (const [name, { sql, params }] of Object.entries(variants)) {
        const [r0, m0] = await selected();
        const u0 = process.cpuUsage();
        const w0 = performance.now();
        const out = await (await c.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json();
        const ms = performance.now() - w0;
        const u = process.cpuUsage(u0);
        const [r1, m1] = await selected();
        if (name === 'daily' || name === 'blocks' || name === 'series')
          answers[name] = sortRows(out as { entityId: string; metricType: string }[]);
        if (round === 0) continue; // warm-up
        stats[name] ??= { ms: [], cpu: [], rows: [], marks: [] };
        stats[name].ms.push(ms);
        stats[name].cpu.push((u.user + u.system) / 1000);
        stats[name].rows.push(r1 - r0 - overhead);
        stats[name].marks.push(m1 - m0);
      }
      if (answers.daily !== answers.blocks) throw new Error(`K=${K}: daily and blocks answers differ`);
      if (answers.daily !== answers.series) throw new Error('daily and series answers differ');
    }
    console.log(
      `size ${size / 1e6}M, granule ${granule}, K=${K}: block rows by hand ${compactMs.toFixed(0)} ms + merge ${mergeMs.toFixed(0)} ms, ${blockCount[0]!.n} rows; series table ${seriesMs.toFixed(0)} ms; answers equal; load ${load0} -> ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
    );
    for (const [name, s] of Object.entries(stats)) {
      console.log(
        `  ${name.padEnd(19)} wall p50 ${median(s.ms).toFixed(0).padStart(4)} max ${Math.max(...s.ms)
          .toFixed(0)
          .padStart(
            4,
          )} | cpu p50 ${median(s.cpu).toFixed(0).padStart(3)} | rows ${String(median(s.rows)).padStart(6)} marks ${median(s.marks)}`,
      );
    }
  }
}
await c.close();
rmSync(dir, { recursive: true, force: true });
