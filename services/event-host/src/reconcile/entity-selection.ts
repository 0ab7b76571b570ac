import type { ClickHouseClient } from '@clickhouse/client';
import type pg from 'pg';
import { HostError } from '../errors.js';

/** Which entities to reconcile: a random sample of each type, all of them, or named ones per type. */
export type EntitySelection =
  | { kind: 'sample'; size: number }
  | { kind: 'all'; after?: ReadonlyMap<string, number> }
  | { kind: 'ids'; ids: ReadonlyMap<string, readonly number[]> };

/**
 * Ids of an entity type with stored metric events, above `after` (all when undefined) and at most `upto` (no
 * bound when undefined), ascending, at most `limit`.
 */
export type StoredEntityIds = (
  entityType: string,
  after: number | undefined,
  upto: number | undefined,
  limit: number,
) => Promise<number[]>;

/** `StoredEntityIds` from the metric event table, in its key order (`entityType, entityId, …`). */
export function storedEntityIds(clickhouse: ClickHouseClient, table = 'entityMetricEvents'): StoredEntityIds {
  return async (entityType, after, upto, limit) => {
    const result = await clickhouse.query({
      query: `SELECT DISTINCT entityId FROM ${table}
WHERE entityType = {type:String}${after === undefined ? '' : ' AND entityId > {after:Int64}'}${upto === undefined ? '' : ' AND entityId <= {upto:Int64}'}
ORDER BY entityId LIMIT {limit:UInt32}`,
      query_params: {
        type: entityType,
        limit,
        ...(after === undefined ? {} : { after }),
        ...(upto === undefined ? {} : { upto }),
      },
      format: 'JSONEachRow',
    });
    return (await result.json<{ entityId: number | string }>()).map((r) => Number(r.entityId));
  };
}

/**
 * Batches of entity ids of one type, read from the entity's own table (named like the entity type).
 * `all` pages by keyset (`id > last ORDER BY id`, from `after` when resuming), so each page costs one index
 * range scan whatever the table's size; with `stored`, each page also takes the ids in its range that have
 * stored metric events but no row any more (a deleted entity's totals must read 0 too, and a lost recompute
 * can leave them otherwise). `sample` draws rows uniformly (`ORDER BY random()`, one scan of the table), plus
 * the ids without a row among a quarter as many drawn over the table's id range (`goneIds`).
 */
export async function* entityBatches(
  postgres: pg.Pool,
  entityType: string,
  selection: EntitySelection,
  batchSize: number,
  stored?: StoredEntityIds,
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
      const drawn = rows.map((r) => Number(r.id));
      const gone = await goneIds(postgres, table, Math.ceil(selection.size / GONE_SHARE));
      const ids = [...new Set([...drawn, ...gone])].sort((a, b) => a - b);
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
      const source = rows.map((r) => Number(r.id));
      // A full page ends at its last id; stored ids are taken up to there (or up to theirs, if they fill a page).
      const sourceEnd = source.length === batchSize ? source[batchSize - 1]! : undefined;
      const held = stored ? await stored(entityType, last, sourceEnd, batchSize) : [];
      const heldEnd = held.length === batchSize ? held[batchSize - 1]! : undefined;
      const end = Math.min(sourceEnd ?? Number.POSITIVE_INFINITY, heldEnd ?? Number.POSITIVE_INFINITY);
      const ids = [...new Set([...source, ...held])].filter((id) => id <= end).sort((a, b) => a - b);
      if (ids.length === 0) return;
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

/** `sample` also draws size ÷ this many ids over the id range, and keeps those whose row is gone. */
const GONE_SHARE = 4;

/**
 * Ids between the table's lowest and highest id without a row: of `draws` drawn uniformly over that range, the
 * ones no row has. A sample of rows never meets a deleted entity, whose stored events must still equal its
 * truth (0, or what its rows elsewhere say); these put deleted entities in the sample in proportion to the
 * id range they left (with ids that never had a row, which cost a comparison of nothing with nothing).
 */
async function goneIds(postgres: pg.Pool, table: string, draws: number): Promise<number[]> {
  const { rows } = await postgres.query<{ lo: string | null; hi: string | null }>(
    `SELECT min(id)::text AS lo, max(id)::text AS hi FROM ${table}`,
  );
  const lo = Number(rows[0]?.lo);
  const hi = Number(rows[0]?.hi);
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi - lo < 2 || draws <= 0) return [];
  const candidates = new Set<number>();
  for (let i = 0; i < draws; i++) candidates.add(lo + 1 + Math.floor(Math.random() * (hi - lo - 1)));
  const { rows: gone } = await postgres.query<{ id: string }>(
    `SELECT c::text AS id FROM unnest($1::bigint[]) AS c WHERE NOT EXISTS (SELECT 1 FROM ${table} WHERE id = c)`,
    [[...candidates]],
  );
  return gone.map((r) => Number(r.id));
}
