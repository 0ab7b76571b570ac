-- The archive of deleted parent rows that the metric listeners' lookups read (issue 12, cascades).
--
-- A child's delete (an image's reaction, a version's image resource) is counted against its parent's
-- relations (the image's owner and post, the version's model). When the parent is deleted with its
-- children in one transaction (a cascade), the parent row is gone by the time the child's change is
-- consumed. These triggers copy the columns the lookups need into event_bus.deleted_row in the deleting
-- transaction itself, so whenever a child's change is visible in Kafka, its parent is readable here: no
-- waiting for the parent's own change on another partition, the same answer on every host and after
-- restarts.
--
-- The archive lives in a schema of its own: the CDC publication and Debezium cover `public` only, so it
-- is never captured; it is not part of the app's Prisma model (the lookups read it with plain SQL).
-- Retention: event_bus.purge_deleted_rows(keep) from a cron, see docs/operations.md.

CREATE SCHEMA IF NOT EXISTS event_bus;

CREATE TABLE event_bus.deleted_row (
  "tableName" text NOT NULL,
  "id" integer NOT NULL,
  -- The columns named by the table's trigger, as they were when the row was deleted.
  "row" jsonb NOT NULL,
  "deletedAt" timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY ("tableName", "id")
);
CREATE INDEX deleted_row_deleted_at_idx ON event_bus.deleted_row ("deletedAt");

-- One statement-level trigger per table: a cascade deleting 10,000 images costs one INSERT ... SELECT
-- over the transition table, not 10,000. TG_ARGV names the columns to keep (besides "id").
-- SECURITY DEFINER: the app's role deletes rows without needing any right on the archive.
CREATE FUNCTION event_bus.archive_deleted_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  INSERT INTO event_bus.deleted_row ("tableName", "id", "row")
  SELECT TG_TABLE_NAME, (g.j ->> 'id')::integer,
         (SELECT jsonb_object_agg(c, g.j -> c) FROM unnest(TG_ARGV) AS c)
  FROM (SELECT to_jsonb(gone) AS j FROM gone) AS g
  -- An id deleted again (only possible if the app re-inserts explicit ids) keeps its latest row.
  ON CONFLICT ("tableName", "id") DO UPDATE SET "row" = EXCLUDED."row", "deletedAt" = EXCLUDED."deletedAt";
  RETURN NULL;
END
$$;

-- The parents the lookups read (packages/metric-listeners/src/lookups/parent-tables.ts names the same
-- columns; a unit test compares the two).
CREATE TRIGGER event_bus_archive_deleted AFTER DELETE ON "Image"
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
  EXECUTE FUNCTION event_bus.archive_deleted_rows('postId', 'userId');
CREATE TRIGGER event_bus_archive_deleted AFTER DELETE ON "ModelVersion"
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
  EXECUTE FUNCTION event_bus.archive_deleted_rows('modelId');
CREATE TRIGGER event_bus_archive_deleted AFTER DELETE ON "Model"
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
  EXECUTE FUNCTION event_bus.archive_deleted_rows('userId');
CREATE TRIGGER event_bus_archive_deleted AFTER DELETE ON "Thread"
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
  EXECUTE FUNCTION event_bus.archive_deleted_rows('imageId', 'postId', 'articleId', 'bountyId');
CREATE TRIGGER event_bus_archive_deleted AFTER DELETE ON "Collection"
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
  EXECUTE FUNCTION event_bus.archive_deleted_rows('mode');

-- Retention: deletes archived rows older than `keep` and returns how many went. Keep them longer than
-- any change can wait to be consumed or redriven (see docs/operations.md). ModelVersion rows stay: the
-- truths of a model's generations and earnings read a deleted version's model from them.
CREATE FUNCTION event_bus.purge_deleted_rows(keep interval) RETURNS bigint
LANGUAGE sql AS $$
  WITH purged AS (
    DELETE FROM event_bus.deleted_row
    WHERE "deletedAt" < now() - keep AND "tableName" <> 'ModelVersion'
    RETURNING 1
  )
  SELECT count(*) FROM purged
$$;
