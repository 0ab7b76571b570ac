// The events of the metric event table ordered by creation time: which entities had events created in a time
// range, without scanning a month of the event table. search-sync's window ageing asks that before every
// flush (docs/search-sync.md, "Known limits").
import type { ClickHouseClient } from '@clickhouse/client';
import { clickHouseErrorType } from './clickhouse-errors.js';
import { createdMonths, queryRows } from './roll-state.js';
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
 * its `entityId`), `~copied` that one month of the events stored before was copied (the month as YYYYMM, as
 * its `entityId`), `~complete` that every such month was, so the index holds every event.
 */
export const CREATED_INDEX_COPYING = '~copying';
export const CREATED_INDEX_COPIED = '~copied';
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

export interface CompleteCreatedIndexOptions {
  /** How long after the `~copying` mark an insert may still be running (tests shorten it). */
  marginMs?: number;
  /**
   * How long one call may spend copying: it copies month after month of the event table until this much
   * time has passed (always at least one month), then leaves the rest to the next call. Default 30 s.
   */
  budgetMs?: number;
}

/**
 * Whether the index holds every stored event. When it is still copying and every insert that began before
 * its view existed has ended (`INSERT_MARGIN_MS` after the `~copying` mark, by the server's clock), copies
 * the events stored before, one month partition of the event table per insert, each marked `~copied` once
 * done, for up to `budgetMs`; once every month is, marks the index complete. A call that stops early, fails
 * or is killed leaves the months it copied marked, and the next call goes on from there (a month copied but
 * not yet marked is copied again: duplicates are harmless, as are those of a second caller racing this one).
 * So a large table is copied over several calls, none of which runs one query over the whole table. False
 * while the index is incomplete, and when there is none (a cluster not yet migrated): read the event table.
 */
export async function completeCreatedIndex(
  client: ClickHouseClient,
  table = 'entityMetricEvents',
  options: CompleteCreatedIndexOptions = {},
): Promise<boolean> {
  const { marginMs = INSERT_MARGIN_MS, budgetMs = 30_000 } = options;
  const t = createdIndexTables(table);
  let state: { complete: string; copying: string; due: number; copied: (string | number)[] } | undefined;
  try {
    [state] = await queryRows(
      client,
      `SELECT countIf(entityType = {complete:String}) AS complete, countIf(entityType = {copying:String}) AS copying,
  toUInt8(toUnixTimestamp64Milli(now64(3)) >= minIf(entityId, entityType = {copying:String}) + {margin:Int64}) AS due,
  groupUniqArrayIf(entityId, entityType = {copied:String}) AS copied
FROM ${t.index}
WHERE createdAt = ${MARKER_TIME} AND entityType IN ({complete:String}, {copying:String}, {copied:String})`,
      {
        complete: CREATED_INDEX_COMPLETE,
        copying: CREATED_INDEX_COPYING,
        copied: CREATED_INDEX_COPIED,
        margin: marginMs,
      },
    );
  } catch (cause) {
    if (clickHouseErrorType(cause) === 'UNKNOWN_TABLE') return false;
    throw cause;
  }
  if (Number(state?.complete) > 0) return true;
  if (!(Number(state?.copying) > 0 && Number(state?.due) === 1)) return false;
  const copied = new Set(state!.copied.map(Number));
  const started = performance.now();
  let copiedNow = 0;
  // A table not partitioned by month (never one made by schema.ts) is copied in one pass, as month 0.
  for (const month of (await createdMonths(client, table)) ?? [0]) {
    if (copied.has(month)) continue;
    if (copiedNow > 0 && performance.now() - started >= budgetMs) return false;
    await client.command({
      query: `INSERT INTO ${t.index} (entityType, createdAt, entityId)
SELECT entityType, createdAt, entityId FROM ${table} WHERE ${month ? `toYYYYMM(createdAt) = ${month}` : '1'}`,
    });
    await client.command({ query: createdIndexMarkSql(t.index, CREATED_INDEX_COPIED, month) });
    copiedNow++;
  }
  await mark(client, t.index, CREATED_INDEX_COMPLETE);
  return true;
}

async function mark(client: ClickHouseClient, index: string, marker: string): Promise<void> {
  await client.command({ query: createdIndexMarkSql(index, marker) });
}

/**
 * The insert of a marker row (`~copying`, `~copied` or `~complete`): its `entityId` is `value`, or by
 * default the server's clock (epoch ms).
 */
export function createdIndexMarkSql(index: string, marker: string, value?: number): string {
  const id = value === undefined ? 'toUnixTimestamp64Milli(now64(3))' : String(Math.trunc(value));
  return `INSERT INTO ${index} (entityType, createdAt, entityId)
SELECT '${marker}', ${MARKER_TIME}, ${id}`;
}
