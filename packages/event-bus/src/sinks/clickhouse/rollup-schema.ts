import type { ClickHouseClient } from '@clickhouse/client';

/** The tables of the read rollup next to a metric event table (see metric-rollup.ts for how they are used). */
export interface RollupTables {
  /** Every event inserted recently, copied by `mv` at insert time; dropped by whole slots once rolled. */
  recent: string;
  /** The materialized view that copies each insert into `recent`. */
  mv: string;
  /** Per entity, metric, day of `createdAt` and roll: the events a roll closed (sum, high water, times). */
  daily: string;
  /**
   * One `begin` and one `commit` row per roll: its base roll, the per-origin cut it rolled up to, and the
   * floors of its chain (metric-compaction.ts).
   */
  rolls: string;
}

/** `recent` is partitioned in slots of this length of `insertedAt`, so old slots drop whole. */
export const RECENT_SLOT_MS = 600_000;

/**
 * Longest an insert may take from its `insertedAt` (the server's `now64()` when the insert began, never set
 * by writers) until its rows are visible, clock skew between replicas included. An event not below a roll's
 * cut was not visible when the roll began, so its `insertedAt` is at most this much older than the roll:
 * readers skip older slots of `recent`.
 */
export const INSERT_MARGIN_MS = 600_000;

/**
 * Longest a reader may go on using a roll state after its head roll began (the head's `at`, by the server's
 * clock), when it keeps the state across queries (RollStateCache). A roll drops only the `recent` slots that
 * ended `MIN_RETAIN_MS` before its base roll began, and a sweep only rows replaced `MIN_RETAIN_MS` before; a
 * reader of a head reads `recent` from `INSERT_MARGIN_MS` before the head began. So what a reader that used the
 * head until this long after its start reads stays for 3 more minutes: the time its query has.
 */
export const HEAD_REUSE_MS = 120_000;

/**
 * Least time rolls keep a `recent` slot after their base roll began, and compactions keep the rows they
 * replaced after their commit: the insert margin (readers of a head read `recent` that far back from its
 * `at`), plus `HEAD_REUSE_MS`, plus 3 minutes for the longest read.
 */
export const MIN_RETAIN_MS = INSERT_MARGIN_MS + HEAD_REUSE_MS + 180_000;

/**
 * Compressed block sizes of the daily table (see rollupDdl); also what 0007's ALTER sets, and what
 * ensureRollupTables gives a daily table created before.
 */
export const DAILY_COMPRESS_BLOCKS = 'min_compress_block_size = 1024, max_compress_block_size = 8192';

/**
 * The rolls table's `floors` column: day (days since 1970-01-01) → (gen of the compaction that folded it, when
 * the rows it replaced may be deleted, in epoch ms; 0 once they are). See metric-compaction.ts.
 */
export const FLOORS_TYPE = 'Map(Int32, Tuple(UInt64, Int64))';

/** Columns added to the rollup tables since they were first created, for tables created before. Idempotent. */
export function rollupMigrations(table = 'entityMetricEvents', onCluster?: string): string[] {
  const on = onCluster ? ` ON CLUSTER ${onCluster}` : '';
  return [`ALTER TABLE ${rollupTables(table).rolls}${on} ADD COLUMN IF NOT EXISTS floors ${FLOORS_TYPE}`];
}

/** Names of the rollup tables of a metric event table. */
export function rollupTables(table = 'entityMetricEvents'): RollupTables {
  return {
    recent: `${table}_recent`,
    mv: `${table}_recent_mv`,
    daily: `${table}_daily`,
    rolls: `${table}_rolls`,
  };
}

/**
 * DDL of the rollup, in creation order (the view last: from then on every insert is copied to `recent`).
 * `onCluster` and `engines` let production create the replicated variant (infra/clickhouse/production).
 *
 * - `recent` is a plain MergeTree partitioned by 10-minute slots of `insertedAt`: readers and the roll
 *   dedupe its rows themselves (GROUP BY the event table's sorting key), because a replay may land in
 *   another slot; a reader's `insertedAt` bound skips every part older than the head roll's margin.
 * - `daily` keeps `gen` in its sorting key, so merges never mix the rows of different rolls: a reader
 *   includes exactly the rolls on its chain. `index_granularity = 256`: a miss reads a few granules per
 *   entity instead of 8,192-row blocks full of other entities. Compressed blocks of 1–8 KiB instead of
 *   64 KiB–1 MiB: a granule is decompressed with its whole block in every column it reads, so small blocks
 *   keep a miss's few granules per entity from decompressing their neighbours (a 100-entity miss at 30M
 *   rows decompressed 172 MB in 16–64 KiB blocks; docs/performance-history.md, "Tenth session" and "Blocks
 *   of 1–8 KiB"; existing tables: infra/clickhouse/production/0007_daily_small_blocks.sql).
 */
export function rollupDdl(
  table = 'entityMetricEvents',
  opts: { onCluster?: string; engine?: (kind: 'recent' | 'daily' | 'rolls') => string } = {},
): string[] {
  const t = rollupTables(table);
  const on = opts.onCluster ? ` ON CLUSTER ${opts.onCluster}` : '';
  const engine = opts.engine ?? (() => 'MergeTree');
  return [
    `CREATE TABLE IF NOT EXISTS ${t.recent}${on} (
  eventId String,
  entityType LowCardinality(String),
  entityId Int64,
  metricType LowCardinality(String),
  metricValue Int64,
  createdAt DateTime64(3, 'UTC'),
  origin LowCardinality(String),
  originSeq UInt64,
  insertedAt DateTime64(3, 'UTC')
)
ENGINE = ${engine('recent')}
PARTITION BY intDiv(toUnixTimestamp64Milli(insertedAt), ${RECENT_SLOT_MS})
ORDER BY (entityType, entityId, metricType, createdAt, eventId)`,
    `CREATE TABLE IF NOT EXISTS ${t.daily}${on} (
  entityType LowCardinality(String),
  entityId Int64,
  metricType LowCardinality(String),
  day Date32,
  gen UInt64,
  total Int64,
  hw Map(String, UInt64),
  times Array(Int64),
  vals Array(Int64)
)
ENGINE = ${engine('daily')}
ORDER BY (entityType, entityId, metricType, day, gen)
SETTINGS index_granularity = 256, ${DAILY_COMPRESS_BLOCKS}`,
    `CREATE TABLE IF NOT EXISTS ${t.rolls}${on} (
  gen UInt64,
  phase Enum8('begin' = 1, 'commit' = 2),
  base UInt64,
  cuts Map(String, UInt64),
  at DateTime64(3, 'UTC'),
  events UInt64,
  rows UInt64,
  floors ${FLOORS_TYPE}
)
ENGINE = ${engine('rolls')}
ORDER BY (gen, phase)`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.mv}${on} TO ${t.recent} AS
SELECT eventId, entityType, entityId, metricType, metricValue, createdAt, origin, originSeq, insertedAt
FROM ${table}`,
  ];
}

/**
 * Creates the rollup tables and the copying view when missing. Safe to call at every start. When it creates
 * the view, it also lists a first roll: on an empty event table a committed empty one (everything is in
 * `recent` from now on, so reads use the rollup at once); on an existing table a begun one, which marks
 * when copying started: the first real roll reads the event table itself and waits `INSERT_MARGIN_MS`
 * after that mark, so no insert that began before the view existed can be missed (rollMetricEvents).
 * Writers must not be running while the view is created on an empty table.
 */
export async function ensureRollupTables(
  client: ClickHouseClient,
  table = 'entityMetricEvents',
): Promise<void> {
  const t = rollupTables(table);
  const ddl = rollupDdl(table);
  for (const query of ddl.slice(0, -1)) await client.command({ query });
  for (const query of rollupMigrations(table)) await client.command({ query });
  await ensureDailyBlocks(client, t.daily);
  const created = await createViewOnce(client, table, t.mv, ddl.at(-1)!);
  if (created === null) return;
  await client.command({
    query: `INSERT INTO ${t.rolls} (gen, phase, base, cuts, at, events, rows)
SELECT 1, {phase:String}, 0, map(), now64(3), 0, 0`,
    query_params: { phase: created.sourceEmpty ? 'commit' : 'begin' },
  });
}

/**
 * Gives a daily table created with other compressed block sizes the current ones (a metadata change: parts
 * written from then on get them, older parts as merges rewrite them). Only when they differ, so that a table
 * an operator migrated (infra/clickhouse/production/0007) is not altered again at every start.
 */
async function ensureDailyBlocks(client: ClickHouseClient, daily: string): Promise<void> {
  const result = await client.query({
    query:
      'SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = {daily:String}',
    query_params: { daily },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ engine_full: string }>();
  if (row && !row.engine_full.includes(DAILY_COMPRESS_BLOCKS))
    await client.command({ query: `ALTER TABLE ${daily} MODIFY SETTING ${DAILY_COMPRESS_BLOCKS}` });
}

/**
 * Creates a view copying inserts of `table` when no table named `mv` exists; then says whether `table` was
 * empty (null when the view was there already). A view starts copying as soon as it exists, so whoever
 * creates it marks at once whether older events must still be copied.
 */
export async function createViewOnce(
  client: ClickHouseClient,
  table: string,
  mv: string,
  ddl: string,
): Promise<{ sourceEmpty: boolean } | null> {
  const existing = await client.query({
    query: 'SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = {mv:String}',
    query_params: { mv },
    format: 'JSONEachRow',
  });
  const [{ n } = { n: '0' }] = await existing.json<{ n: string }>();
  if (Number(n) > 0) return null;
  await client.command({ query: ddl });
  const rows = await client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' });
  const [{ n: stored } = { n: '0' }] = await rows.json<{ n: string }>();
  return { sourceEmpty: Number(stored) === 0 };
}
