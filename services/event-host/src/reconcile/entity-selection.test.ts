import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { entityBatches, type StoredEntityIds } from './entity-selection.js';

/** A Postgres pool holding one table's ids, answering the keyset pages `entityBatches` asks for. */
function poolOf(ids: number[]): pg.Pool {
  return {
    async query(sql: string, params: number[]) {
      const [after, limit] = sql.includes('WHERE id >') ? params : [Number.NEGATIVE_INFINITY, params[0]!];
      return {
        rows: ids
          .filter((id) => id > after!)
          .slice(0, limit)
          .map((id) => ({ id })),
      };
    },
  } as unknown as pg.Pool;
}

/** Ids with stored metric events, answered as the ClickHouse query does. */
const storedOf =
  (ids: number[]): StoredEntityIds =>
  async (_type, after, upto, limit) =>
    ids
      .filter((id) => (after === undefined || id > after) && (upto === undefined || id <= upto))
      .slice(0, limit);

async function batches(source: number[], stored: number[] | undefined, size: number): Promise<number[][]> {
  const out: number[][] = [];
  const all = { kind: 'all' } as const;
  for await (const ids of entityBatches(poolOf(source), 'Post', all, size, stored && storedOf(stored)))
    out.push(ids);
  return out;
}

describe('entity batches of a whole type', () => {
  it('also take the ids whose rows are gone but whose events are stored, each once and in order', async () => {
    // 4, 6, 9 and 10 were deleted from Postgres; 2 is in both.
    expect(await batches([1, 2, 3, 5, 8], [2, 4, 6, 9, 10], 2)).toEqual([[1, 2], [3, 4, 5], [6, 8, 9], [10]]);
  });

  it('are the table’s pages alone without stored ids', async () => {
    expect(await batches([1, 2, 3, 5, 8], undefined, 2)).toEqual([[1, 2], [3, 5], [8]]);
  });

  it('cover every id whatever the page size', async () => {
    const source = [1, 4, 5, 7, 11, 12, 20];
    const stored = [2, 3, 4, 6, 13, 14, 15, 16, 21];
    const every = [...new Set([...source, ...stored])].sort((a, b) => a - b);
    for (const size of [1, 2, 3, 5, 100]) expect((await batches(source, stored, size)).flat()).toEqual(every);
  });
});
