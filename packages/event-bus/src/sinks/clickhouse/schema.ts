import type { ClickHouseClient } from '@clickhouse/client';
import { ensureCreatedIndex } from './created-index.js';
import { ensureRollupTables } from './rollup-schema.js';

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
 * - sourceTx is the Postgres transaction (32-bit xid, Debezium's `source.txId`) of the change the event was
 *   derived from, so reconcile can tell which stored events a Postgres snapshot sees; NULL for events from
 *   ClickHouse rows and for corrections, which always count. Added to existing tables by
 *   `metricEventTableMigrations`.
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
  sourceTx Nullable(UInt64),
  insertedAt DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(createdAt)
ORDER BY (entityType, entityId, metricType, createdAt, eventId)
SETTINGS index_granularity = 8192`;
}

/** Columns added since the table was first created, for tables created before them. Idempotent. */
export function metricEventTableMigrations(table = 'entityMetricEvents'): string[] {
  return [`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS sourceTx Nullable(UInt64) AFTER originSeq`];
}

/**
 * Creates the metric event table when missing, adds newer columns, and creates the read rollup's tables
 * (rollup-schema.ts) and the index of events by creation time (created-index.ts). Safe to call at every start. Reads use the rollup once a roll has committed
 * (`rollMetricEvents`); until then they read this table with `FINAL`.
 */
export async function ensureMetricEventTable(
  client: ClickHouseClient,
  table = 'entityMetricEvents',
): Promise<void> {
  await client.command({ query: metricEventTableDdl(table) });
  for (const query of metricEventTableMigrations(table)) await client.command({ query });
  await ensureRollupTables(client, table);
  await ensureCreatedIndex(client, table);
}
