// The SQL behind readMetricTotals (metric-totals.ts): one set-based query per call, from the event table
// with `FINAL` or from the read rollup, with the entity filter and the window starts as query parameters.
import type { MetricTotalsQuery } from './metric-totals.js';
import { headChainFilter, type RollState } from './roll-state.js';
import { INSERT_MARGIN_MS, rollupTables } from './rollup-schema.js';
import { type MetricTimeframe, startOfMonthMs, windowStartMs } from './timeframes.js';

export interface TotalsSql {
  sql: string;
  params: Record<string, unknown>;
}

/** Windowed timeframes and their starts; `oldest` when 'all' is not asked (older rows cannot count). */
function windowsOf<T extends MetricTimeframe>(
  timeframes: readonly T[],
  nowMs: number,
  params: Record<string, unknown>,
) {
  const windowed = timeframes.filter((tf) => windowStartMs(tf, nowMs) !== null);
  for (const tf of windowed) params[`s_${tf}`] = windowStartMs(tf, nowMs);
  const oldest = timeframes.includes('all' as T)
    ? null
    : Math.min(...windowed.map((tf) => windowStartMs(tf, nowMs)!));
  if (oldest !== null) params.oldest = oldest;
  return { windowed, oldest };
}

const startOf = (tf: string) => `fromUnixTimestamp64Milli({s_${tf}:Int64}, 'UTC')`;

function entityFilter<T extends MetricTimeframe>(
  query: MetricTotalsQuery<T>,
  ids: number[],
  params: Record<string, unknown>,
): string[] {
  params.entityType = query.entityType;
  params.ids = ids;
  const where = ['entityType = {entityType:String}', 'entityId IN {ids:Array(Int64)}'];
  if (query.metricTypes) {
    params.types = [...new Set(query.metricTypes)];
    where.push('metricType IN {types:Array(String)}');
  }
  return where;
}

/** The totals straight from the event table with `FINAL` (before the first roll, or without the rollup). */
export function eventTotalsSql<T extends MetricTimeframe>(
  table: string,
  query: MetricTotalsQuery<T>,
  ids: number[],
  timeframes: readonly T[],
  nowMs: number,
): TotalsSql {
  const params: Record<string, unknown> = {};
  const where = entityFilter(query, ids, params);
  const { oldest } = windowsOf(timeframes, nowMs, params);
  const columns = timeframes.map((tf) =>
    tf === 'all' ? 'sum(metricValue) AS t_all' : `sumIf(metricValue, createdAt >= ${startOf(tf)}) AS t_${tf}`,
  );
  if (query.highWater) columns.push('maxMap(map(toString(origin), originSeq)) AS hw');
  // Without 'all', rows older than the longest window cannot count: skip them via the sorting key.
  if (oldest !== null) where.push(`createdAt >= fromUnixTimestamp64Milli({oldest:Int64}, 'UTC')`);
  const sql = `SELECT entityId, metricType, ${columns.join(', ')}
FROM ${table} FINAL
WHERE ${where.join(' AND ')}
GROUP BY entityId, metricType`;
  return { sql, params };
}

/**
 * The same totals from the rollup (metric-rollup.ts): the daily rows of the head's chain (whole days from
 * their sums; the day a window starts in from its event times) plus the events above the head's cuts, read
 * from the recent table and deduplicated by the event table's sorting key, as `FINAL` would. Each event is
 * in exactly one of the two: rolled iff its `originSeq` is at or below its origin's cut. The cost depends on
 * the entities' rows in the rollup and on the recent events, not on the size of the event table.
 *
 * A daily row at day `d` holds events of `d` up to the end of `d`'s month: a compaction folds a closed month
 * into one row at its first day (metric-compaction.ts), and other rows hold their own day. So a window that
 * starts on day `D` takes whole rows after `D`, and the events at or after its start from the rows at `D`
 * and at the first of `D`'s month; rows in between hold only days before `D`.
 *
 * Shape, chosen by measurement (docs/performance-history.md): one scan of the daily rows serves every timeframe
 * (`multiIf` evaluates a row's event times only at the day its window starts in and the first of that
 * month); the open part tests its
 * rows against the cuts with one map lookup (exclusive bounds, a missing origin reads 0: everything open)
 * and each branch returns its high waters as key and value arrays for the outer `maxMap`.
 */
export function rollupTotalsSql<T extends MetricTimeframe>(
  table: string,
  query: MetricTotalsQuery<T>,
  ids: number[],
  timeframes: readonly T[],
  nowMs: number,
  state: RollState,
): TotalsSql {
  const t = rollupTables(table);
  const bounds: Record<string, number> = {};
  for (const [origin, seq] of Object.entries(state.head!.cuts)) bounds[origin] = seq + 1;
  const chain = headChainFilter(state);
  const params: Record<string, unknown> = { ...chain.params, bounds };
  const where = entityFilter(query, ids, params);
  const { oldest } = windowsOf(timeframes, nowMs, params);
  const day = (tf: string) => `toDate32(${startOf(tf)})`;
  const rolled = [...where, chain.sql];
  if (oldest !== null)
    rolled.push(`day >= toStartOfMonth(toDate32(fromUnixTimestamp64Milli({oldest:Int64}, 'UTC')))`);
  const pick = (all: string, window: (tf: T) => string, hw: [string, string]) => {
    const cols = timeframes.map((tf) => (tf === 'all' ? `${all} AS t_all` : `${window(tf)} AS t_${tf}`));
    if (query.highWater) cols.push(`${hw[0]} AS hwk`, `${hw[1]} AS hwv`);
    return cols.join(', ');
  };
  // Rows after the day a window starts in from their sums; that day's rows and the rows at the first of its
  // month (a folded month's row is there; a row of another day before it holds only that day) from their
  // events' times.
  const inWindow = (tf: T) =>
    `sum(multiIf(day > ${day(tf)}, total, day = ${day(tf)} OR day = toStartOfMonth(${day(tf)}), arraySum(arrayMap((ms, v) -> if(ms >= {s_${tf}:Int64}, v, 0), times, vals)), 0))`;
  const daily = `SELECT entityId, metricType, ${pick('sum(total)', inWindow, ['mapKeys(maxMap(hw))', 'mapValues(maxMap(hw))'])}
FROM ${t.daily}
WHERE ${rolled.join(' AND ')}
GROUP BY entityId, metricType`;
  params.openFrom = state.head!.atMs - INSERT_MARGIN_MS;
  const open = [
    ...where,
    `insertedAt >= fromUnixTimestamp64Milli({openFrom:Int64}, 'UTC')`,
    'originSeq >= {bounds:Map(String, UInt64)}[toString(origin)]',
  ];
  // From the start of the oldest window's month, like the daily rows: the same high water either way.
  if (oldest !== null) {
    params.oldestMonth = startOfMonthMs(oldest);
    open.push(`createdAt >= fromUnixTimestamp64Milli({oldestMonth:Int64}, 'UTC')`);
  }
  const recent = `SELECT entityId, metricType, ${pick(
    'sum(v)',
    (tf) => `sumIf(v, createdAt >= ${startOf(tf)})`,
    ['tupleElement(maxMap([toString(o)], [s]), 1)', 'tupleElement(maxMap([toString(o)], [s]), 2)'],
  )}
FROM (
  SELECT entityId, metricType, createdAt, eventId, any(metricValue) AS v, any(origin) AS o, any(originSeq) AS s
  FROM ${t.recent}
  WHERE ${open.join(' AND ')}
  GROUP BY entityId, metricType, createdAt, eventId
)
GROUP BY entityId, metricType`;
  const outer = timeframes.map((tf) => `sum(t_${tf}) AS t_${tf}`);
  if (query.highWater)
    outer.push('mapFromArrays(tupleElement(maxMap(hwk, hwv) AS m, 1), tupleElement(m, 2)) AS hw');
  const sql = `SELECT entityId, metricType, ${outer.join(', ')}
FROM (
${daily}
UNION ALL
${recent}
)
GROUP BY entityId, metricType`;
  return { sql, params };
}
