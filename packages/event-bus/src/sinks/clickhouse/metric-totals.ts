import type { ClickHouseClient } from '@clickhouse/client';
import { SinkError } from '../../errors.js';
import { eventTotalsSql, rollupTotalsSql } from './metric-totals-sql.js';
import { type RollState, readRollState } from './roll-state.js';
import type { MetricTimeframe } from './timeframes.js';

/** What to total: some metrics of many entities of one type, over some timeframes. */
export interface MetricTotalsQuery<T extends MetricTimeframe = MetricTimeframe> {
  entityType: string;
  entityIds: readonly number[];
  /** Metric types to total; all types found when omitted (then only types with events appear). */
  metricTypes?: readonly string[];
  timeframes: readonly T[];
  /** End of the windows (default: the current time). Windows are [now − 1/7/30/365 days, …). */
  now?: Date;
  /** Also return, per entity, the highest `originSeq` per origin among the rows counted. */
  highWater?: boolean;
  /** Table name (default `entityMetricEvents`). */
  table?: string;
  /**
   * A read of the table's roll state (`readRollState`, or a `RollStateCache`'s) the caller started before, to
   * overlap it with other work or share it among queries; read here when omitted. An older head is exact
   * within the bound RollStateCache keeps (docs/reading-metrics.md, "The read rollup").
   */
  rollState?: Promise<RollState | null>;
}

/** Totals of one entity. */
export interface MetricTotals<T extends MetricTimeframe = MetricTimeframe> {
  entityId: number;
  /** metric type → timeframe → sum of the metric's deltas in that window. */
  totals: Record<string, Record<T, number>>;
  /** origin → highest `originSeq` counted for this entity (only with `highWater: true`). */
  highWater?: Record<string, number>;
}

/**
 * One result row, as JSONCompact's `data` gives it: `[entityId, metricType, t_<tf>… in request order, hw?]`.
 * Arrays instead of objects, and 64-bit integers as numbers, because a flush parses 50k of them (measured:
 * parsing and building the totals of 10k ids took longer than the query).
 */
type TotalsRow = [number, string, ...(number | Record<string, number>)[]];

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/**
 * Totals per entity, metric type and timeframe in one set-based query (after a small read of the roll
 * state): from the read rollup once a roll has committed, else from the event table with `FINAL`. Both
 * collapse replayed events (same sorting key, see schema.ts), so a replay is never counted twice. A window includes every event whose
 * `createdAt` is at or after its start, also ones stamped a little after `now` (clock skew between the source
 * and the reader must not drop a fresh item). Every requested entity is returned, in request order; with
 * `metricTypes` given, every requested metric and timeframe is present (0 when there were no events).
 */
export async function readMetricTotals<T extends MetricTimeframe>(
  client: ClickHouseClient,
  query: MetricTotalsQuery<T>,
): Promise<MetricTotals<T>[]> {
  const ids = [...new Set(query.entityIds)];
  const timeframes = [...new Set(query.timeframes)];
  if (ids.length === 0 || timeframes.length === 0 || query.metricTypes?.length === 0) {
    return ids.map((entityId) => emptyTotals(entityId, query.metricTypes ?? [], timeframes));
  }
  const table = query.table ?? 'entityMetricEvents';
  if (!TABLE_NAME.test(table))
    throw new SinkError('clickhouse', `invalid table name ${table}`, { retriable: false });
  const nowMs = (query.now ?? new Date()).getTime();
  const state = await readState(query.rollState ?? readRollState(client, table));
  const { sql, params } = state?.head
    ? rollupTotalsSql(table, query, ids, timeframes, nowMs, state)
    : eventTotalsSql(table, query, ids, timeframes, nowMs);

  let rows: TotalsRow[];
  try {
    const result = await client.query({
      query: sql,
      query_params: params,
      // One JSON document parsed at once: a *EachRow format goes through the client's row stream, one
      // JSON.parse per row.
      format: 'JSONCompact',
      // Sums and ids as numbers: Number() of the quoted text would lose the same digits past 2^53.
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    rows = (await result.json<TotalsRow>()).data;
  } catch (cause) {
    throw new SinkError('clickhouse', `metric totals query failed: ${(cause as Error).message}`, { cause });
  }

  const byId = new Map<number, MetricTotals<T>>();
  for (const id of ids)
    byId.set(
      id,
      query.highWater ? { entityId: id, totals: {}, highWater: {} } : { entityId: id, totals: {} },
    );
  const hwAt = 2 + timeframes.length;
  for (const row of rows) {
    const entity = byId.get(row[0]);
    if (!entity) continue;
    const totals = {} as Record<T, number>;
    for (let i = 0; i < timeframes.length; i++) totals[timeframes[i]!] = row[2 + i] as number;
    entity.totals[row[1]] = totals;
    const hw = row[hwAt] as Record<string, number> | undefined;
    const highWater = entity.highWater;
    if (hw && highWater) {
      for (const origin in hw) highWater[origin] = Math.max(highWater[origin] ?? -1, hw[origin]!);
    }
  }
  // Every requested metric and timeframe is present: zeros where no row came.
  for (const entity of byId.values()) {
    for (const m of query.metricTypes ?? []) entity.totals[m] ??= zeros(timeframes);
  }
  return [...byId.values()];
}

async function readState(read: Promise<RollState | null>): Promise<RollState | null> {
  try {
    return await read;
  } catch (cause) {
    throw new SinkError('clickhouse', `metric totals query failed: ${(cause as Error).message}`, { cause });
  }
}

function emptyTotals<T extends MetricTimeframe>(
  entityId: number,
  metricTypes: readonly string[],
  timeframes: readonly T[],
): MetricTotals<T> {
  const totals: Record<string, Record<T, number>> = {};
  for (const m of metricTypes) totals[m] = zeros(timeframes);
  return { entityId, totals };
}

function zeros<T extends MetricTimeframe>(timeframes: readonly T[]): Record<T, number> {
  const out = {} as Record<T, number>;
  for (const tf of timeframes) out[tf] = 0;
  return out;
}
