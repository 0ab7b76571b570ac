import type { AppDb } from '@engagement/app-db';
import { readRow } from '@engagement/plugin-api';
import { BatchLookup } from './batch-lookup.js';
import { type ParentTable, parentTables } from './parent-tables.js';

/**
 * One round trip for a batch of ids: the live rows of the parent table and the archived rows of those
 * deleted (`event_bus.deleted_row`, written by the table's delete trigger), both as `{column: value}`.
 * Table and column names come from `parentTables`, never from input.
 */
export function parentRowsSql(parent: ParentTable<unknown>): string {
  const columns = parent.columns.map((c) => `'${c}', "${c}"`).join(', ');
  return `SELECT "id", jsonb_build_object(${columns}) AS "row", false AS "archived"
    FROM "${parent.table}" WHERE "id" = ANY($1::int[])
    UNION ALL
    SELECT "id", "row", true AS "archived" FROM event_bus.deleted_row
    WHERE "tableName" = '${parent.table}' AND "id" = ANY($1::int[])`;
}

interface ParentRow {
  id: number;
  row: Record<string, unknown> | string;
  archived: boolean;
}

/** A lookup of `parent` over the app database: one query per batch of ids, live and archived rows. */
export function prismaLookup<V>(db: AppDb, name: string, parent: ParentTable<V>): BatchLookup<V> {
  const sql = parentRowsSql(parent);
  return new BatchLookup<V>({
    name,
    mutable: parent.mutable,
    load: async (ids) =>
      (await db.$queryRawUnsafe<ParentRow[]>(sql, [...ids])).map((r) => ({
        id: Number(r.id),
        value: parent.relations(readRow(typeof r.row === 'string' ? JSON.parse(r.row) : r.row)),
        archived: r.archived,
      })),
  });
}

/** The Prisma-backed lookup of each parent table, built from the host's client. */
export const prismaLookups = {
  image: (db: AppDb) => prismaLookup(db, 'image', parentTables.image),
  modelVersion: (db: AppDb) => prismaLookup(db, 'modelVersion', parentTables.modelVersion),
  model: (db: AppDb) => prismaLookup(db, 'model', parentTables.model),
  thread: (db: AppDb) => prismaLookup(db, 'thread', parentTables.thread),
  collection: (db: AppDb) => prismaLookup(db, 'collection', parentTables.collection),
};
