import type { ClickHouseClient } from '@clickhouse/client';
import { SinkError } from '@engagement/event-bus';
import type { TruthRow } from '@engagement/event-bus/truth';
import { visibleInSnapshotSql } from './pg-snapshot.js';
import type { SourceSnapshot } from './source-snapshot.js';

export interface ReadStoredOptions {
  /** The batch (entities, snapshot, time bounds) whose truth was read. */
  source: SourceSnapshot;
  metrics: readonly string[];
  /** Metrics whose truth is in ClickHouse source tables: compared below `source.clickhouseBeforeMs` only. */
  clickhouseMetrics: readonly string[];
  table?: string;
}

/**
 * The stored events of a batch that belong to its Postgres snapshot, summed per entity, metric and
 * `createdAt` (non-zero groups only). An event counts when its source transaction is visible in the
 * snapshot, or when it has none (ClickHouse rows, corrections), or when it was inserted before the snapshot
 * was taken (its transaction had committed; this also covers events older than 2^31 transactions, whose
 * 32-bit xid alone could not be placed). `FINAL` collapses replays, as in every read.
 */
export async function readStoredTotals(
  client: ClickHouseClient,
  options: ReadStoredOptions,
): Promise<TruthRow[]> {
  const { source } = options;
  if (source.entityIds.length === 0 || options.metrics.length === 0) return [];
  const visible = visibleInSnapshotSql(source.snapshot);
  const sql = `SELECT entityId, metricType, toUnixTimestamp64Milli(createdAt) AS createdAtMs, sum(metricValue) AS value
FROM ${options.table ?? 'entityMetricEvents'} FINAL
WHERE entityType = {entityType:String} AND entityId IN {ids:Array(Int64)} AND metricType IN {metrics:Array(String)}
  AND (metricType NOT IN {chMetrics:Array(String)}
       OR createdAt < fromUnixTimestamp64Milli({chBefore:Int64}, 'UTC'))
  AND (sourceTx IS NULL OR insertedAt < fromUnixTimestamp64Milli({insertedBefore:Int64}, 'UTC') OR ${visible.sql})
GROUP BY entityId, metricType, createdAtMs
HAVING value != 0`;
  try {
    const result = await client.query({
      query: sql,
      query_params: {
        ...visible.params,
        entityType: source.entityType,
        ids: source.entityIds,
        metrics: options.metrics,
        chMetrics: options.clickhouseMetrics.length ? options.clickhouseMetrics : [''],
        chBefore: source.clickhouseBeforeMs,
        insertedBefore: source.insertedBeforeMs,
      },
      format: 'JSONEachRow',
    });
    const rows = await result.json<Record<string, string | number>>();
    return rows.map((r) => ({
      entityId: Number(r.entityId),
      metricType: String(r.metricType),
      createdAtMs: Number(r.createdAtMs),
      value: Number(r.value),
    }));
  } catch (cause) {
    throw new SinkError('clickhouse', `stored totals query failed: ${(cause as Error).message}`, { cause });
  }
}
