import type { ChangeEvent } from '@engagement/plugin-api';

/** What feed reads need from Postgres: `pg`'s Pool and Client both fit. */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** A feed document: the id plus numbers and the raw fields filters and sorts need. */
export type FeedDocument = { id: number } & Record<string, unknown>;

/** A source table whose changes alter feed documents, and how to find the documents a change touches. */
export interface FeedTrigger {
  table: string;
  /** On update, only these columns matter; omitted = every update. Creates and deletes always count. */
  columns?: readonly string[];
  /** The feed entity ids a row belongs to (null when it belongs to none). */
  entityIdOf(row: Readonly<Record<string, unknown>>): number | null;
}

/**
 * A feed index's documents: which entity type they are, how to load the current ones for some ids from
 * Postgres in one set-based query (an id missing from the result is not in the feed and is deleted),
 * which changes make them stale, and the index settings their filters and sorts need.
 */
export interface FeedDefinition {
  entityType: string;
  load(db: Queryable, ids: readonly number[]): Promise<Map<number, FeedDocument>>;
  triggers: readonly FeedTrigger[];
  filterableAttributes: readonly string[];
  sortableAttributes: readonly string[];
}

/** A feed's `load` by one set-based query: `sql` takes the ids as `$1` and returns one row per document. */
export const loadByIds =
  (sql: string): FeedDefinition['load'] =>
  async (db, ids) => {
    const { rows } = await db.query<FeedDocument>(sql, [ids]);
    return new Map(rows.map((r) => [Number(r.id), r]));
  };

/** The feed ids a change touches: the row before and after, when any watched column changed. */
export function touchedIds(trigger: FeedTrigger, event: ChangeEvent): number[] {
  if (event.op === 'update' && trigger.columns && event.before && event.after) {
    const { before, after } = event;
    const changed = trigger.columns.some((c) => !sameValue(before[c], after[c]));
    if (!changed) return [];
  }
  const ids = new Set<number>();
  for (const row of [event.before, event.after]) {
    if (!row) continue;
    const id = trigger.entityIdOf(row);
    if (id !== null) ids.add(id);
  }
  return [...ids];
}

const sameValue = (a: unknown, b: unknown): boolean =>
  a === b || JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Reads an integer id column that Debezium may render as a number or text; null when absent. */
export function idColumn(row: Readonly<Record<string, unknown>>, column: string): number | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

/** Epoch milliseconds from a SQL expression over a `timestamp(3)` column (stored as UTC). */
export const epochMs = (column: string) => `(extract(epoch from ${column}) * 1000)::float8`;
