import type pg from 'pg';
import { pick } from './random.js';
import type { SampleWorld } from './sample-world.js';

/** What an operation may use: the database, the world, and a queue of ClickHouse source rows. */
export interface OperationContext {
  db: pg.Client;
  world: SampleWorld;
  /** ClickHouse rows to publish, by table name; `null` when no publisher was given. */
  clickhouse: Map<string, Record<string, unknown>[]> | null;
  /** Ids the running operation used or changed (its parameters and returned rows), for failure reports. */
  touched?: number[];
}

/** One kind of change, chosen with probability proportional to `weight`; returns rows changed. */
export interface Operation {
  name: string;
  weight: number;
  run(ctx: OperationContext): Promise<number>;
}

export const REACTIONS = ['Like', 'Like', 'Like', 'Heart', 'Heart', 'Laugh', 'Cry', 'Dislike'];

export const op = (name: string, weight: number, run: Operation['run']): Operation => ({ name, weight, run });

/** Runs SQL with params built from the world; the row count is the number of changes. */
export const sql =
  (text: string, params: (w: SampleWorld) => unknown[]) =>
  async ({ db, world, touched }: OperationContext) => {
    const values = params(world);
    // A pick from an empty pool (every bounty entry gone with its bounty, say): nothing to change. Sent as
    // NULL it broke a NOT NULL column and stopped the traffic (a realistic-truth run in CI, seed 475508472).
    if (values.includes(undefined)) return 0;
    const result = await db.query(text, values);
    if (touched) {
      for (const v of values) if (typeof v === 'number') touched.push(v);
      for (const row of result.rows ?? [])
        for (const v of Object.values(row)) if (typeof v === 'number') touched.push(v);
    }
    return result.rowCount ?? 0;
  };

/** Which of the world's entities, e.g. `'images'`. */
type Ids = keyof SampleWorld;
export const idsOf = (w: SampleWorld, ids: Ids): number[] => {
  const entities = w[ids];
  return entities instanceof Map ? [...entities.keys()] : entities;
};

/** A random existing row among those of the world's entities (by `column` = ANY(ids)), by ctid. */
export const randomRow = (table: string, column: string) =>
  `(SELECT ctid FROM "${table}" WHERE "${column}" = ANY($1) ORDER BY random() LIMIT 1)`;

/** Deletes a random row of `table` that belongs to one of `ids` through `column`. */
export const remove = (table: string, column: string, ids: Ids) =>
  sql(`DELETE FROM "${table}" WHERE ctid = ${randomRow(table, column)} RETURNING *`, (w) => [idsOf(w, ids)]);

/** Runs `set` on a random row of `table` that belongs to one of `ids` through `column`; `more` gives $2…. */
export const update = (table: string, column: string, ids: Ids, set: string, more = (): unknown[] => []) =>
  sql(`UPDATE "${table}" SET ${set} WHERE ctid = ${randomRow(table, column)} RETURNING *`, (w) => [
    idsOf(w, ids),
    ...more(),
  ]);

/** A user's reaction to one of `ids` (through `column`), unless they reacted so already. */
export const react = (table: string, column: string, ids: Ids) =>
  sql(
    `INSERT INTO "${table}"("${column}","userId",reaction) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`,
    (w) => [pick(idsOf(w, ids)), pick(w.users), pick(REACTIONS)],
  );

/** A tag on one of `ids` (through `column`), unless it is there already. */
export const tag = (table: string, column: string, ids: Ids) =>
  sql(`INSERT INTO "${table}"("${column}","tagId") VALUES ($1,$2) ON CONFLICT DO NOTHING`, (w) => [
    pick(idsOf(w, ids)),
    pick(w.tags),
  ]);

/** Sets a user's engagement of one of `types` with one of `ids` (through `column`). */
export const engage = (table: string, column: string, ids: Ids, types: string[]) =>
  sql(
    `INSERT INTO "${table}"("userId","${column}",type) VALUES ($1,$2,$3) ON CONFLICT ("userId","${column}") DO UPDATE SET type = EXCLUDED.type`,
    (w) => [pick(w.users), pick(idsOf(w, ids)), pick(types)],
  );

export const versions = (w: SampleWorld) => idsOf(w, 'versions');

/** Queues one ClickHouse source row for `table` (nothing without a publisher); one change. */
export function queue(
  clickhouse: OperationContext['clickhouse'],
  table: string,
  row: () => Record<string, unknown>,
): number {
  if (!clickhouse) return 0;
  const value = row();
  // A pick from an empty pool (every model version gone with its model, say): nothing to publish. Sent,
  // the id became 0 and the listener dead-lettered the row (a realistic-truth run, seed 134775162).
  const missing = (v: unknown) => v === undefined || (Array.isArray(v) && v.includes(undefined));
  if (Object.values(value).some(missing)) return 0;
  const rows = clickhouse.get(table) ?? [];
  rows.push(value);
  clickhouse.set(table, rows);
  return 1;
}
