import type { ClickHouseClient } from '@clickhouse/client';
import { SinkError } from '../errors.js';
import { METRIC_TIMEFRAMES, TIMEFRAME_DAYS } from '../sinks/clickhouse/timeframes.js';

/** One cached hash as the drift check saw it: the positions it reflects and its fill time. */
export interface CachedSnapshot {
  entityId: number;
  /** origin → highest `originSeq` its fill counted (`~hw:<origin>`). */
  highWater: Record<string, number>;
  /** Fill time (epoch ms) the hash's windows are measured from, if it has windowed fields. */
  atMs: number | null;
}

/** entityId → metric type → timeframe → total. */
export type BoundedTotals = Map<number, Record<string, Record<string, number>>>;

/**
 * What each cached hash should hold: per entity, the sum of exactly the events at or below the positions the
 * hash reflects, with windows measured from the hash's own fill time. Comparing against this (instead of the
 * latest totals) makes the drift check exact while events stream: an event not yet applied to Redis is not
 * yet expected there. One query per entity type.
 */
export async function positionBoundedTotals(
  client: ClickHouseClient,
  entityType: string,
  snapshots: readonly CachedSnapshot[],
  /** origin → highest `originSeq` the cache sink has applied (its watermark hash), read with the snapshots. */
  applied: Record<string, number>,
  metricTypes: readonly string[],
  table = 'entityMetricEvents',
): Promise<BoundedTotals> {
  const out: BoundedTotals = new Map(snapshots.map((s) => [s.entityId, {}]));
  if (snapshots.length === 0 || metricTypes.length === 0) return out;
  // Bounds are passed as exclusive (seq + 1) so a missing map entry (0) excludes everything.
  // A hash reflects, per origin, every event up to the larger of its fill's high water and the applied
  // watermark: older events were counted by the fill, later ones by increments (docs/reading-metrics.md).
  const bounds: Record<string, number> = {};
  const appliedBounds: Record<string, number> = {};
  for (const [origin, seq] of Object.entries(applied)) appliedBounds[origin] = seq + 1;
  const at: Record<string, number> = {};
  for (const s of snapshots) {
    for (const [origin, seq] of Object.entries(s.highWater)) bounds[`${s.entityId}|${origin}`] = seq + 1;
    if (s.atMs !== null) at[String(s.entityId)] = s.atMs;
  }
  const windowed = METRIC_TIMEFRAMES.filter((tf) => tf !== 'all').map(
    (tf) =>
      `sumIf(metricValue, toUnixTimestamp64Milli(createdAt) >= {at:Map(String, Int64)}[toString(entityId)] - ${
        TIMEFRAME_DAYS[tf as keyof typeof TIMEFRAME_DAYS] * 86_400_000
      }) AS t_${tf}`,
  );
  const sql = `SELECT entityId, metricType, sum(metricValue) AS t_all, ${windowed.join(', ')}
FROM ${table} FINAL
WHERE entityType = {entityType:String} AND entityId IN {ids:Array(Int64)} AND metricType IN {types:Array(String)}
  AND originSeq < greatest({applied:Map(String, Int64)}[toString(origin)],
                          {bounds:Map(String, Int64)}[concat(toString(entityId), '|', toString(origin))])
GROUP BY entityId, metricType`;
  try {
    const result = await client.query({
      query: sql,
      query_params: {
        entityType,
        ids: snapshots.map((s) => s.entityId),
        types: metricTypes,
        applied: appliedBounds,
        bounds,
        at,
      },
      format: 'JSONEachRow',
    });
    for (const row of await result.json<Record<string, string | number>>()) {
      const totals: Record<string, number> = {};
      for (const tf of METRIC_TIMEFRAMES) totals[tf] = Number(row[`t_${tf}`]);
      out.get(Number(row.entityId))![String(row.metricType)] = totals;
    }
  } catch (cause) {
    throw new SinkError('clickhouse', `drift truth query failed: ${(cause as Error).message}`, { cause });
  }
  return out;
}
