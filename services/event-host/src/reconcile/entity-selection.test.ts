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

/** A Postgres pool answering a sample's queries over one table's ids. */
function samplingPoolOf(ids: number[]): pg.Pool {
  const has = new Set(ids);
  return {
    async query(sql: string, params: unknown[]) {
      if (sql.includes('ORDER BY random()'))
        return { rows: ids.slice(0, params[0] as number).map((id) => ({ id })) };
      if (sql.includes('min(id)'))
        return { rows: [{ lo: String(Math.min(...ids)), hi: String(Math.max(...ids)) }] };
      if (sql.includes('unnest')) {
        const candidates = params[0] as number[];
        return { rows: candidates.filter((c) => !has.has(c)).map((c) => ({ id: String(c) })) };
      }
      throw new Error(`unexpected query ${sql}`);
    },
  } as unknown as pg.Pool;
}

describe('a sample of entities', () => {
  it('also meets deleted entities: ids drawn over the id range that have no row any more', async () => {
    // Rows 1 and 1000 are left; 2…999 were deleted (their stored events must still meet a truth of 0).
    const sample = { kind: 'sample', size: 400 } as const;
    const out: number[] = [];
    for await (const ids of entityBatches(samplingPoolOf([1, 1000]), 'Post', sample, 50)) out.push(...ids);
    expect(out).toContain(1);
    expect(out).toContain(1000);
    const gone = out.filter((id) => id !== 1 && id !== 1000);
    expect(gone.length).toBeGreaterThan(80); // of 100 draws, repeats removed
    expect(gone.every((id) => id > 1 && id < 1000)).toBe(true);
    expect(out).toEqual([...new Set(out)].sort((a, b) => a - b));
  });

  it('of a table without gaps is its rows alone', async () => {
    const out: number[] = [];
    const sample = { kind: 'sample', size: 8 } as const;
    for await (const ids of entityBatches(samplingPoolOf([3, 4, 5, 6]), 'Post', sample, 50)) out.push(...ids);
    expect(out).toEqual([3, 4, 5, 6]);
  });
});
