-- One row per metric event derived from a source change (a reaction added, removed, ...).
--
-- Delivery from Kafka is at-least-once, so the same event can be inserted more than once
-- (replays after a crash, a retried batch). Every row therefore carries eventId, a
-- deterministic id derived from the source event, and the table deduplicates on it:
--   * ReplacingMergeTree collapses rows whose ORDER BY key is equal, and the key ENDS with
--     eventId, so two rows are "the same" exactly when they are the same event
--     (entityType/entityId/metricType come first so per-entity reads use the primary index).
--   * Collapsing happens only within a partition; createdAt comes from the source event, so
--     a replayed event lands in the same month partition as its first copy.
--   * Merges are eventual: reads that must be exact use FINAL (or aggregate per eventId),
--     never a plain sum over the raw rows.
CREATE TABLE IF NOT EXISTS entityMetricEvents
(
    entityType  LowCardinality(String),
    entityId    Int64,
    userId      Int64,
    metricType  LowCardinality(String),
    metricValue Int64,
    createdAt   DateTime64(3),
    eventId     String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(createdAt)
ORDER BY (entityType, entityId, metricType, eventId);
