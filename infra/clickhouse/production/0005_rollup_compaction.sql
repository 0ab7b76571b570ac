-- Production: the floors column of entityMetricEvents_rolls, on a cluster whose rollup was created by 0003
-- before 2026-12-05 (0003 now creates the table with it; running this again is harmless).
-- Why: hosts compact the read rollup (metric-compaction.ts; docs/reading-metrics.md, "Compaction"). A
-- compaction folds a day's daily rows into one row per entity and metric, and every roll's commit row carries
-- the chain's floors (day -> the compaction's gen, and when the rows it replaced may be deleted); readers skip
-- a compacted day's rows below its floor. Hosts of this version read and write the column.
-- Order:
-- 1. Run this file.
-- 2. Deploy every process that reads or rolls the rollup (hosts, search-sync, anything that uses the
--    event-bus reader) on this version. An older reader counts a folded day twice until the replaced rows are
--    swept, and an older roller's commits leave the floors empty. A host compacts first after 60 of its own
--    committed rolls (about an hour at the defaults); to deploy slower than that, start the hosts with
--    EVENT_HOST_ROLLUP_COMPACT_EVERY=0 and set it back once every reader runs this version.
-- Going back to an older version after a compaction committed: wait until no floor has a pending sweep (the
-- newest commit row's floors all have 0 as their second element; a sweep runs with the first compaction
-- 15 minutes after a fold), with compactions still on. The folded rows then count correctly for older
-- readers too.

ALTER TABLE entityMetricEvents_rolls ON CLUSTER '{cluster}'
    ADD COLUMN IF NOT EXISTS floors Map(Int32, Tuple(UInt64, Int64));
