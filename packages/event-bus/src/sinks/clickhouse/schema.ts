import type { ClickHouseClient } from '@clickhouse/client';

/**
 * The entity metric event table, the source of truth for every metric.
 *
 * - ReplacingMergeTree with `eventId` closing the sorting key: a replayed event has the same id, entity,
 *   metric and time, hence the same sorting key, and collapses into one row. Reads use `FINAL` (or
 *   `readMetricTotals` in metric-totals.ts) so duplicates not yet merged are never counted.
 * - ORDER BY (entityType, entityId, metricType, createdAt, …): every read asks for some metrics of some
 *   entities over a time window, which is a prefix scan plus a range on createdAt.
 * - PARTITION BY month of createdAt: a replay lands in the same partition as the original (createdAt comes
 *   from the source), so FINAL can stay within partitions; old months can be dropped or moved whole.
 * - origin/originSeq record where the event came from, so consumers of the exported rows can apply them once.
 */
export function metricEventTableDdl(table = 'entityMetricEvents'): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
  eventId String,
  entityType LowCardinality(String),
  entityId Int64,
  userId Int64,
  metricType LowCardinality(String),
  metricValue Int64,
  createdAt DateTime64(3, 'UTC'),
  origin LowCardinality(String),
  originSeq UInt64,
  insertedAt DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(createdAt)
ORDER BY (entityType, entityId, metricType, createdAt, eventId)
SETTINGS index_granularity = 8192`;
}

/** Creates the metric event table when missing. Safe to call at every start. */
export async function ensureMetricEventTable(
  client: ClickHouseClient,
  table = 'entityMetricEvents',
): Promise<void> {
  await client.command({ query: metricEventTableDdl(table) });
}
