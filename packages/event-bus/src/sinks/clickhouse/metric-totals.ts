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
}

/** Totals of one entity. */
export interface MetricTotals<T extends MetricTimeframe = MetricTimeframe> {
  entityId: number;
  /** metric type → timeframe → sum of the metric's deltas in that window. */
  totals: Record<string, Record<T, number>>;
  /** origin → highest `originSeq` counted for this entity (only with `highWater: true`). */
  highWater?: Record<string, number>;
}

interface TotalsRow {
  entityId: number | string;
  metricType: string;
  hw?: Record<string, number | string>;
  [total: `t_${string}`]: number | string;
}

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
  const state = await readState(client, table);
  const { sql, params } = state?.head
    ? rollupTotalsSql(table, query, ids, timeframes, nowMs, state)
    : eventTotalsSql(table, query, ids, timeframes, nowMs);

  let rows: TotalsRow[];
  try {
    const result = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    rows = await result.json<TotalsRow>();
  } catch (cause) {
    throw new SinkError('clickhouse', `metric totals query failed: ${(cause as Error).message}`, { cause });
  }

  const byId = new Map(ids.map((id) => [id, emptyTotals(id, query.metricTypes ?? [], timeframes)]));
  if (query.highWater) for (const t of byId.values()) t.highWater = {};
  for (const row of rows) {
    const entity = byId.get(Number(row.entityId));
    if (!entity) continue;
    const totals = {} as Record<T, number>;
    for (const tf of timeframes) totals[tf] = Number(row[`t_${tf}`]);
    entity.totals[row.metricType] = totals;
    if (row.hw && entity.highWater) {
      for (const [origin, seq] of Object.entries(row.hw)) {
        entity.highWater[origin] = Math.max(entity.highWater[origin] ?? -1, Number(seq));
      }
    }
  }
  return [...byId.values()];
}

async function readState(client: ClickHouseClient, table: string): Promise<RollState | null> {
  try {
    return await readRollState(client, table);
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
  for (const m of metricTypes) {
    totals[m] = {} as Record<T, number>;
    for (const tf of timeframes) totals[m][tf] = 0;
  }
  return { entityId, totals };
}
