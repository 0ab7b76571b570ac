-- Production: the index of entityMetricEvents by creation time, on a replicated cluster (one shard, N
-- replicas). The embedded/single-server DDL is createdIndexDdl() in
-- packages/event-bus/src/sinks/clickhouse/created-index.ts; this file is the same with a Replicated engine
-- and ON CLUSTER.
-- Why: before every flush, search-sync asks which entities had events created in a few short time ranges
-- (their events just left a day, week, month or year window; docs/search-sync.md, "Known limits"). On the
-- event table, sorted by entity, that reads every event of the type in the months the ranges fall in; on
-- this table, sorted by type and time, it reads the ranges.
-- Rows: (entityType, createdAt, entityId) of every stored event; duplicates are harmless (readers only ask
-- which entities). Marker rows at time 0 (a partition of their own) say whether the index is complete.
-- Requirements: as 0003 (inserting users with deduplicate_blocks_in_dependent_materialized_views = 1;
-- readers with select_sequential_consistency = 1 or on the replica written to).
--
-- Migration onto an existing, populated entityMetricEvents (no downtime; writers and hosts keep running;
-- until step 4, search-sync reads the event table as before):
-- 1. Run the CREATE TABLE below.
-- 2. Create the view (below). From now on every insert is also copied into the index.
-- 3. Wait 10 minutes (INSERT_MARGIN_MS: any insert that began before the view existed has ended), then copy
--    what was stored before, on one replica:
--      INSERT INTO entityMetricEvents_created (entityType, createdAt, entityId)
--      SELECT entityType, createdAt, entityId FROM entityMetricEvents;
--    (Events older than a year plus the longest time search-sync may stay stopped are never asked for; a
--    WHERE createdAt >= now() - INTERVAL 400 DAY is enough when search-sync is never stopped for a month.)
-- 4. Mark the index complete, on one replica:
--      INSERT INTO entityMetricEvents_created (entityType, createdAt, entityId)
--      SELECT '~complete', toDateTime64(0, 3, 'UTC'), toUnixTimestamp64Milli(now64(3));
--    search-sync reads the index from its next flush on.
-- (The host's ensureMetricEventTable does steps 1-2 itself when it finds no view, with a plain MergeTree,
-- and marks '~copying'; search-sync then does steps 3-4 over its flushes after the margin, a month partition
-- per insert and up to 30 s per flush, marking each month '~copied'. On a cluster, run this file instead:
-- the copy is a pass over the event table, better run by an operator on one replica than by flushes.)
-- Rollback: drop the view, then the table; search-sync falls back to the event table at its next flush.

CREATE TABLE IF NOT EXISTS entityMetricEvents_created ON CLUSTER '{cluster}'
(
    entityType LowCardinality(String),
    createdAt  DateTime64(3, 'UTC'),
    entityId   Int64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/entityMetricEvents_created', '{replica}')
PARTITION BY toYYYYMM(createdAt)
ORDER BY (entityType, createdAt, entityId)
SETTINGS index_granularity = 1024;

-- Step 2: the copying view (it starts copying as soon as it exists).
CREATE MATERIALIZED VIEW IF NOT EXISTS entityMetricEvents_created_mv ON CLUSTER '{cluster}'
TO entityMetricEvents_created AS
SELECT entityType, createdAt, entityId
FROM entityMetricEvents;
