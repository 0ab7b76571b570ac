// The world a scripted ground-truth run creates (ids by entity type and the rows phase two changes), and
// what the checks derive from it.
import type pg from 'pg';

export type Row = Record<string, unknown>;

export const DAY = 86_400_000;
/** A Postgres timestamp(3) literal, `ago` ms before now (UTC). */
export const ago = (ms: number) => new Date(Date.now() - ms).toISOString().replace('Z', '');

/** Ids of what the run created, by entity type, plus the rows phase two changes. */
export interface RunWorld {
  users: number[];
  models: number[];
  versions: number[];
  posts: number[];
  images: number[];
  collections: number[];
  tags: number[];
  articles: number[];
  bounties: number[];
  entries: number[];
  /** Named rows phase two updates or deletes. */
  rows: Record<string, Row>;
  /** Rows changed in total (inserts, updates, deletes, ClickHouse rows). */
  changes: number;
  /** Entities phase two created and deleted again (not compared; their dead letters are still the run's). */
  gone: { images: number[]; posts: number[]; versions: number[]; threads: number[] };
}

/** Inserts one row and returns it (all columns). */
export async function insert(db: pg.Client, table: string, row: Row): Promise<Row> {
  const cols = Object.keys(row);
  const r = await db.query(
    `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')})
     VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
    Object.values(row),
  );
  return r.rows[0] as Row;
}

/** Inserts a row of the run (counted in its changes) and returns it. */
export type AddRow = (table: string, row: Row) => Promise<Row>;

export const idOf = (row: Row) => row.id as number;

/** The eight users every scripted run creates first (u0 … u7 in the script's comments). */
export const eightUsers = (w: RunWorld) =>
  w.users as [number, number, number, number, number, number, number, number];

/** Column → ids the run wrote, to recognise its rows (e.g. in dead letters). */
export function runIds(w: RunWorld): Record<string, Set<number>> {
  const users = new Set(w.users);
  return {
    userId: users,
    fromUserId: users,
    targetUserId: users,
    modelId: new Set(w.models),
    modelVersionId: new Set([...w.versions, ...w.gone.versions]),
    imageId: new Set([...w.images, ...w.gone.images]),
    postId: new Set([...w.posts, ...w.gone.posts]),
    threadId: new Set(w.gone.threads),
    collectionId: new Set(w.collections),
    tagId: new Set(w.tags),
    articleId: new Set(w.articles),
    bountyId: new Set(w.bounties),
    bountyEntryId: new Set(w.entries),
  };
}
