-- Production: compressed blocks of 1-8 KiB for entityMetricEvents_daily, on a cluster whose rollup was created
-- by 0003 before 2026-12-06 (0003 now creates the table with these settings; running this again is harmless).
-- Why: a cache miss reads a few 256-row granules per entity in every part of the daily table, and ClickHouse
-- decompresses a granule's whole compressed block in every column it reads. With blocks of 16-64 KiB (0004) a
-- 100-entity miss at 30M rows decompressed 172 MB in 8 parts; with 1-8 KiB its engine time went from 84 to
-- 57 ms in 8 parts and from 41 to 33 ms in one, for 12% more compressed bytes in this table and no change
-- to search-sync's flush (docs/performance-history.md, "Blocks of 1-8 KiB").
-- The setting applies to parts written from now on (new rolls, compactions and merges); no rewrite is needed
-- for exactness, and older parts pick it up as merges rewrite them (or at once with OPTIMIZE TABLE
-- entityMetricEvents_daily FINAL, off-peak). Hosts of this version run the same ALTER, without ON CLUSTER,
-- at start when the table's settings differ; run this file first so that every replica has it.
-- Rollback: MODIFY SETTING back to 16384 and 65536 (0004's values).

ALTER TABLE entityMetricEvents_daily ON CLUSTER '{cluster}'
    MODIFY SETTING min_compress_block_size = 1024, max_compress_block_size = 8192;
