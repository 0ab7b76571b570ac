-- Production: the read rollup of entityMetricEvents on a replicated cluster (one shard, N replicas).
-- What it is and why it is exact: packages/event-bus/src/sinks/clickhouse/metric-rollup.ts and
-- docs/reading-metrics.md ("The read rollup"). The embedded/single-server DDL is rollupDdl() in
-- rollup-schema.ts; this file is the same tables with Replicated* engines and ON CLUSTER.
-- Macros: {cluster}, {shard}, {replica} as configured on the servers.
--
-- Requirements (each one is needed for exactness):
-- * entityMetricEvents is Replicated too (ReplicatedReplacingMergeTree, same ORDER BY as schema.ts).
-- * Inserting users run with deduplicate_blocks_in_dependent_materialized_views = 1, so that a retried
--   insert whose block reached entityMetricEvents but not entityMetricEvents_recent is copied on retry
--   (otherwise the retry's deduplicated block would skip the view and the copy would be missing).
-- * insertedAt is never set by writers (its DEFAULT now64(3) is what the rollup's slots and margins use),
--   and replica clocks are within a few minutes (INSERT_MARGIN_MS = 10 min covers insert time and skew).
-- * Readers and the roll job read with select_sequential_consistency = 1 (or from the replica written
--   to), as the fill's high-water argument already requires (docs/reading-metrics.md, Limits).
-- * A sharded cluster is not covered here: every event of an entity would have to live on one shard
--   (sharding key entityId) and the roll job run per shard. Open point.
--
-- Migration onto an existing, populated entityMetricEvents (no downtime; writers keep running):
-- 1. Run the three CREATE TABLE statements below.
-- 2. Create the view (step 2 below). From now on every insert is also copied into _recent.
-- 3. Mark when copying began, as a begun roll (gen 1), so the first roll waits out the insert margin:
--      INSERT INTO entityMetricEvents_rolls (gen, phase, base, cuts, at, events, rows)
--      SELECT 1, 'begin', 0, map(), now64(3), 0, 0;
--    (The host's ensureMetricEventTable does steps 1-3 itself when it finds no view, with plain
--    MergeTree engines: on a cluster, run this file instead before deploying the new host.)
-- 4. Deploy hosts with the rollup on (default; EVENT_BUS_ROLLUP_INTERVAL_MS, default 60 s). Their first
--    roll, at least 10 minutes after step 3, reads entityMetricEvents itself (FINAL-equivalent, one
--    INSERT ... SELECT per month partition, each grouping one month's events) and commits; readers switch
--    from the FINAL query to the rollup at that commit, per read. On a large table set the hosts'
--    clickhouse.requestTimeoutMs above the longest month's insert.
-- Rollback: drop the view, then the three tables; readers fall back to the FINAL query when
-- entityMetricEvents_rolls is gone.

CREATE TABLE IF NOT EXISTS entityMetricEvents_recent ON CLUSTER '{cluster}'
(
    eventId     String,
    entityType  LowCardinality(String),
    entityId    Int64,
    metricType  LowCardinality(String),
    metricValue Int64,
    createdAt   DateTime64(3, 'UTC'),
    origin      LowCardinality(String),
    originSeq   UInt64,
    insertedAt  DateTime64(3, 'UTC')
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/entityMetricEvents_recent', '{replica}')
PARTITION BY intDiv(toUnixTimestamp64Milli(insertedAt), 600000)
ORDER BY (entityType, entityId, metricType, createdAt, eventId);

CREATE TABLE IF NOT EXISTS entityMetricEvents_daily ON CLUSTER '{cluster}'
(
    entityType LowCardinality(String),
    entityId   Int64,
    metricType LowCardinality(String),
    day        Date32,
    gen        UInt64,
    total      Int64,
    hw         Map(String, UInt64),
    times      Array(Int64),
    vals       Array(Int64)
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/entityMetricEvents_daily', '{replica}')
ORDER BY (entityType, entityId, metricType, day, gen)
SETTINGS index_granularity = 256, min_compress_block_size = 1024, max_compress_block_size = 8192;

CREATE TABLE IF NOT EXISTS entityMetricEvents_rolls ON CLUSTER '{cluster}'
(
    gen    UInt64,
    phase  Enum8('begin' = 1, 'commit' = 2),
    base   UInt64,
    cuts   Map(String, UInt64),
    at     DateTime64(3, 'UTC'),
    events UInt64,
    rows   UInt64,
    floors Map(Int32, Tuple(UInt64, Int64))
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/entityMetricEvents_rolls', '{replica}')
ORDER BY (gen, phase);

-- Step 2: the copying view (last: it starts copying as soon as it exists).
CREATE MATERIALIZED VIEW IF NOT EXISTS entityMetricEvents_recent_mv ON CLUSTER '{cluster}'
TO entityMetricEvents_recent AS
SELECT eventId, entityType, entityId, metricType, metricValue, createdAt, origin, originSeq, insertedAt
FROM entityMetricEvents;
