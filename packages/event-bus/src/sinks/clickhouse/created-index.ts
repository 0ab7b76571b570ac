// The events of the metric event table ordered by creation time: which entities had events created in a time
// range, without scanning a month of the event table. search-sync's window ageing asks that before every
// flush (docs/search-sync.md, "Known limits").
import type { ClickHouseClient } from '@clickhouse/client';
import { clickHouseErrorType } from './clickhouse-errors.js';
import { queryRows } from './roll-state.js';
import { createViewOnce, INSERT_MARGIN_MS } from './rollup-schema.js';

export interface CreatedIndexTables {
  /** (entityType, createdAt, entityId) of every stored event, sorted by type and time. */
  index: string;
  /** The view copying every insert into `index`. */
  mv: string;
}

export function createdIndexTables(table = 'entityMetricEvents'): CreatedIndexTables {
  return { index: `${table}_created`, mv: `${table}_created_mv` };
}

/**
 * Marker rows kept in the index itself, under entity types no event has and at time 0 (a partition of their
 * own, so reading them skips every other part): `~copying` says when the view began to copy (epoch ms, as
 * its `entityId`), `~complete` that the events stored before it were copied too, so the index holds every
 * event.
 */
export const CREATED_INDEX_COPYING = '~copying';
export const CREATED_INDEX_COMPLETE = '~complete';
const MARKER_TIME = "toDateTime64(0, 3, 'UTC')";

/**
 * The index table and its view. Duplicates are harmless (a replay, a copy made twice): readers ask which
 * entities had events, never how many. Partitioned by month like the event table, so old months can be
 * dropped together; sorted by type and time, so a time range of one type is one range of the key, read in
 * granules of 1,024 rows (a row is ~17 bytes; ranges are short, and each part has its own first granule).
 */
export function createdIndexDdl(
  table = 'entityMetricEvents',
  opts: { onCluster?: string; engine?: string } = {},
): string[] {
  const t = createdIndexTables(table);
  const on = opts.onCluster ? ` ON CLUSTER ${opts.onCluster}` : '';
  return [
    `CREATE TABLE IF NOT EXISTS ${t.index}${on} (
  entityType LowCardinality(String),
  createdAt DateTime64(3, 'UTC'),
  entityId Int64
)
ENGINE = ${opts.engine ?? 'MergeTree'}
PARTITION BY toYYYYMM(createdAt)
ORDER BY (entityType, createdAt, entityId)
SETTINGS index_granularity = 1024`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.mv}${on} TO ${t.index} AS
SELECT entityType, createdAt, entityId
FROM ${table}`,
  ];
}

/**
 * Creates the index and its view when missing. Safe to call at every start. When it creates the view on an
 * empty event table the index is complete at once; on a table with events it marks when copying began, and
 * the events stored before are copied later by `completeCreatedIndex`, once no insert that began before the
 * view existed can still be running. Writers must not be running while the view is created on an empty table.
 */
export async function ensureCreatedIndex(
  client: ClickHouseClient,
  table = 'entityMetricEvents',
): Promise<void> {
  const t = createdIndexTables(table);
  const [create, view] = createdIndexDdl(table);
  await client.command({ query: create! });
  const created = await createViewOnce(client, table, t.mv, view!);
  if (created)
    await mark(client, t.index, created.sourceEmpty ? CREATED_INDEX_COMPLETE : CREATED_INDEX_COPYING);
}

/**
 * Whether the index holds every stored event. When it is still copying and every insert that began before
 * its view existed has ended (`INSERT_MARGIN_MS` after the `~copying` mark, by the server's clock), copies
 * the event table's events into it first and marks it complete (a second caller racing this one only adds
 * duplicates). False when there is no index (a cluster not yet migrated): read the event table then.
 */
export async function completeCreatedIndex(
  client: ClickHouseClient,
  table = 'entityMetricEvents',
  /** How long after the `~copying` mark an insert may still be running (tests shorten it). */
  marginMs = INSERT_MARGIN_MS,
): Promise<boolean> {
  const t = createdIndexTables(table);
  let state: { complete: string; copying: string; due: number } | undefined;
  try {
    [state] = await queryRows(
      client,
      `SELECT countIf(entityType = {complete:String}) AS complete, countIf(entityType = {copying:String}) AS copying,
  toUInt8(toUnixTimestamp64Milli(now64(3)) >= minIf(entityId, entityType = {copying:String}) + {margin:Int64}) AS due
FROM ${t.index}
WHERE createdAt = ${MARKER_TIME} AND entityType IN ({complete:String}, {copying:String})`,
      { complete: CREATED_INDEX_COMPLETE, copying: CREATED_INDEX_COPYING, margin: marginMs },
    );
  } catch (cause) {
    if (clickHouseErrorType(cause) === 'UNKNOWN_TABLE') return false;
    throw cause;
  }
  if (Number(state?.complete) > 0) return true;
  if (!(Number(state?.copying) > 0 && Number(state?.due) === 1)) return false;
  await client.command({
    query: `INSERT INTO ${t.index} (entityType, createdAt, entityId) SELECT entityType, createdAt, entityId FROM ${table}`,
  });
  await mark(client, t.index, CREATED_INDEX_COMPLETE);
  return true;
}

async function mark(client: ClickHouseClient, index: string, marker: string): Promise<void> {
  await client.command({ query: createdIndexMarkSql(index, marker) });
}

/** The insert of a marker row (`~copying` or `~complete`), stamped with the server's clock. */
export function createdIndexMarkSql(index: string, marker: string): string {
  return `INSERT INTO ${index} (entityType, createdAt, entityId)
SELECT '${marker}', ${MARKER_TIME}, toUnixTimestamp64Milli(now64(3))`;
}
