-- Production: smaller compressed blocks for entityMetricEvents_daily, on a cluster whose rollup was created
-- by 0003 before 2026-12-01. Superseded by 0007 (smaller blocks still), which a cluster can run instead.
-- Why: a cache miss reads a few 256-row granules per entity, and ClickHouse decompresses a granule's whole
-- compressed block; blocks of 16-64 KiB instead of 64 KiB-1 MiB cut the bytes a 100-entity miss decompresses
-- to about a third and its engine time by 15-23% (docs/performance-history.md, "Tenth session"). The setting
-- applies to parts written from now on (new rolls and merges); no rewrite is needed for exactness, and older
-- parts pick it up as merges rewrite them (or at once with OPTIMIZE TABLE entityMetricEvents_daily FINAL,
-- off-peak). Rollback: MODIFY SETTING back to 65536 and 1048576 (the defaults).

ALTER TABLE entityMetricEvents_daily ON CLUSTER '{cluster}'
    MODIFY SETTING min_compress_block_size = 16384, max_compress_block_size = 65536;
