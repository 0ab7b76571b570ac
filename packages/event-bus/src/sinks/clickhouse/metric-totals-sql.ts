// The SQL behind readMetricTotals (metric-totals.ts): one set-based query per call, from the event table
// with `FINAL` or from the read rollup, with the entity filter and the window starts as query parameters.
import type { MetricTotalsQuery } from './metric-totals.js';
import type { RollState } from './roll-state.js';
import { INSERT_MARGIN_MS, rollupTables } from './rollup-schema.js';
import { type MetricTimeframe, windowStartMs } from './timeframes.js';

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
  const params: Record<string, unknown> = {
    head: state.head!.gen,
    excluded: state.excluded,
    cuts: state.head!.cuts,
  };
  const where = entityFilter(query, ids, params);
  const { windowed, oldest } = windowsOf(timeframes, nowMs, params);
  const day = (tf: string) => `toDate32(${startOf(tf)})`;
  const rolled = [...where, 'gen <= {head:UInt64}', 'NOT has({excluded:Array(UInt64)}, gen)'];
  if (oldest !== null) rolled.push(`day >= toDate32(fromUnixTimestamp64Milli({oldest:Int64}, 'UTC'))`);
  const hwNone = "CAST(map(), 'Map(String, UInt64)') AS hw";
  const pick = (all: string, window: (tf: T) => string, hw: string) => {
    const cols = timeframes.map((tf) => (tf === 'all' ? `${all} AS t_all` : `${window(tf)} AS t_${tf}`));
    if (query.highWater) cols.push(hw);
    return cols.join(', ');
  };
  const branches = [
    // Whole days after the day each window starts in.
    `SELECT entityId, metricType, ${pick('sum(total)', (tf) => `sumIf(total, day > ${day(tf)})`, 'maxMap(hw) AS hw')}
FROM ${t.daily}
WHERE ${rolled.join(' AND ')}
GROUP BY entityId, metricType`,
  ];
  if (windowed.length) {
    // The day a window starts in: only its events at or after the start.
    branches.push(`SELECT entityId, metricType, ${pick(
      'toInt64(0)',
      (tf) =>
        `sumIf(arraySum(arrayMap((ms, v) -> if(ms >= {s_${tf}:Int64}, v, 0), times, vals)), day = ${day(tf)})`,
      hwNone,
    )}
FROM ${t.daily}
WHERE ${[...rolled, `day IN (${windowed.map(day).join(', ')})`].join(' AND ')}
GROUP BY entityId, metricType`);
  }
  params.openFrom = state.head!.atMs - INSERT_MARGIN_MS;
  const open = [
    ...where,
    `insertedAt >= fromUnixTimestamp64Milli({openFrom:Int64}, 'UTC')`,
    `(NOT mapContains({cuts:Map(String, UInt64)}, toString(origin)) OR originSeq > {cuts:Map(String, UInt64)}[toString(origin)])`,
  ];
  // From the start of the oldest window's day, like the daily rows: the same high water either way.
  if (oldest !== null) {
    params.oldestDay = Math.floor(oldest / 86_400_000) * 86_400_000;
    open.push(`createdAt >= fromUnixTimestamp64Milli({oldestDay:Int64}, 'UTC')`);
  }
  branches.push(`SELECT entityId, metricType, ${pick(
    'sum(v)',
    (tf) => `sumIf(v, createdAt >= ${startOf(tf)})`,
    'maxMap(map(toString(o), s)) AS hw',
  )}
FROM (
  SELECT entityId, metricType, createdAt, eventId, any(metricValue) AS v, any(origin) AS o, any(originSeq) AS s
  FROM ${t.recent}
  WHERE ${open.join(' AND ')}
  GROUP BY entityId, metricType, createdAt, eventId
)
GROUP BY entityId, metricType`);
  const outer = timeframes.map((tf) => `sum(t_${tf}) AS t_${tf}`);
  if (query.highWater) outer.push('maxMap(hw) AS hw');
  const sql = `SELECT entityId, metricType, ${outer.join(', ')}
FROM (
${branches.join('\nUNION ALL\n')}
)
GROUP BY entityId, metricType`;
  return { sql, params };
}
