import type pg from 'pg';
import { HostError } from '../errors.js';

/** Which entities to reconcile: a random sample of each type, all of them, or named ones per type. */
export type EntitySelection =
  | { kind: 'sample'; size: number }
  | { kind: 'all'; after?: ReadonlyMap<string, number> }
  | { kind: 'ids'; ids: ReadonlyMap<string, readonly number[]> };

/**
 * Batches of entity ids of one type, read from the entity's own table (named like the entity type).
 * `all` pages by keyset (`id > last ORDER BY id`, from `after` when resuming), so each page costs one index
 * range scan whatever the table's size; `sample` draws uniformly (`ORDER BY random()`, one scan of the table).
 */
export async function* entityBatches(
  postgres: pg.Pool,
  entityType: string,
  selection: EntitySelection,
  batchSize: number,
): AsyncGenerator<number[]> {
  if (selection.kind === 'ids') {
    const ids = [...new Set(selection.ids.get(entityType) ?? [])];
    for (let i = 0; i < ids.length; i += batchSize) yield ids.slice(i, i + batchSize);
    return;
  }
  const table = `"${entityType.replaceAll('"', '""')}"`;
  try {
    if (selection.kind === 'sample') {
      const { rows } = await postgres.query<{ id: number }>(
        `SELECT id FROM ${table} ORDER BY random() LIMIT $1`,
        [selection.size],
      );
      const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
      for (let i = 0; i < ids.length; i += batchSize) yield ids.slice(i, i + batchSize);
      return;
    }
    let last = selection.after?.get(entityType);
    for (;;) {
      const { rows } =
        last === undefined
          ? await postgres.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id LIMIT $1`, [batchSize])
          : await postgres.query<{ id: number }>(
              `SELECT id FROM ${table} WHERE id > $1 ORDER BY id LIMIT $2`,
              [last, batchSize],
            );
      if (rows.length === 0) return;
      const ids = rows.map((r) => Number(r.id));
      last = ids[ids.length - 1]!;
      yield ids;
    }
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') {
      throw new HostError('EH_USAGE', `no table "${entityType}" in Postgres to take ${entityType} ids from`);
    }
    throw error;
  }
}
