import type { ClickHouseClient } from '@clickhouse/client';
import { SinkError } from '../../errors.js';
import { headChainFilter, readRollState } from './roll-state.js';
import { rollupTables } from './rollup-schema.js';

/** An entity's metric whose rolled total is not the total of the stored events it should hold. */
export interface RollupDifference {
  entityType: string;
  entityId: number;
  metricType: string;
  /** Sum of the daily rows of the head roll's chain (what reads take for everything at or below the cuts). */
  rolled: number;
  /** Sum of the distinct stored events at or below the head roll's cuts (the event table with `FINAL`). */
  stored: number;
}

export interface RollupCheck {
  /** The committed roll checked against; `null` when none has committed (reads use `FINAL` then). */
  head: number | null;
  differences: RollupDifference[];
}

/**
 * Checks the read rollup against the event table it summarises, for some entities: per entity and metric,
 * the daily rows of the head roll's chain must sum to the distinct stored events at or below the head's
 * per-origin cuts. Both sides are bounded by the same committed roll, so the check is exact while events
 * stream in and rolls run. A difference means readers get a wrong total from the rollup while the event
 * table is right: an event stored at or below a cut after that roll ran (an origin whose stored events
 * stopped being a prefix of its sequence, as a correction counter starting again at 0 once did), or daily
 * rows changed by hand. Events above the cuts are read from `recent` by readers and are not checked here.
 */
export async function checkRollup(
  client: ClickHouseClient,
  query: {
    entityType: string;
    entityIds: readonly number[];
    metricTypes?: readonly string[];
    table?: string;
  },
): Promise<RollupCheck> {
  const table = query.table ?? 'entityMetricEvents';
  try {
    const state = await readRollState(client, table);
    const head = state?.head;
    if (!state || !head) return { head: null, differences: [] };
    if (query.entityIds.length === 0 || query.metricTypes?.length === 0) {
      return { head: head.gen, differences: [] };
    }
    // Exclusive bounds, as readers use them: an origin the cuts do not name reads 0, so none of its events.
    const bounds: Record<string, number> = {};
    for (const [origin, seq] of Object.entries(head.cuts)) bounds[origin] = seq + 1;
    const where = ['entityType = {entityType:String}', 'entityId IN {ids:Array(Int64)}'];
    if (query.metricTypes) where.push('metricType IN {types:Array(String)}');
    const chain = headChainFilter(state);
    const result = await client.query({
      query: `SELECT entityId, metricType, sum(r) AS rolled, sum(s) AS stored
FROM (
  SELECT entityId, metricType, sum(total) AS r, toInt64(0) AS s
  FROM ${rollupTables(table).daily}
  WHERE ${where.join(' AND ')} AND ${chain.sql}
  GROUP BY entityId, metricType
  UNION ALL
  SELECT entityId, metricType, toInt64(0) AS r, sum(metricValue) AS s
  FROM ${table} FINAL
  WHERE ${where.join(' AND ')} AND originSeq < {bounds:Map(String, UInt64)}[toString(origin)]
  GROUP BY entityId, metricType
)
GROUP BY entityId, metricType
HAVING rolled != stored
ORDER BY entityId, metricType`,
      query_params: {
        entityType: query.entityType,
        ids: [...query.entityIds],
        types: query.metricTypes ? [...query.metricTypes] : [],
        ...chain.params,
        bounds,
      },
      format: 'JSONEachRow',
    });
    const rows = await result.json<{
      entityId: string | number;
      metricType: string;
      rolled: string;
      stored: string;
    }>();
    return {
      head: head.gen,
      differences: rows.map((r) => ({
        entityType: query.entityType,
        entityId: Number(r.entityId),
        metricType: r.metricType,
        rolled: Number(r.rolled),
        stored: Number(r.stored),
      })),
    };
  } catch (cause) {
    throw new SinkError('clickhouse', `rollup check failed: ${(cause as Error).message}`, { cause });
  }
}
