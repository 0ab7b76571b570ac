import { describe, expect, it } from 'vitest';
import { BatchLookup, type BatchLookupOptions, type LoadedRow } from './batch-lookup.js';

/**
 * A lookup over live rows 1..n (owner id × 10, or what `owners` says now) and archived rows 1001..1000+n
 * (owner 7), whose loader records every query it is sent.
 */
function tracked(n = 100, options: Partial<BatchLookupOptions<{ owner: number }>> = {}) {
  const queries: number[][] = [];
  const owners = new Map<number, number>();
  let failNext = false;
  const lookup = new BatchLookup<{ owner: number }>({
    name: 'thing',
    ...options,
    load: async (ids) => {
      queries.push([...ids]);
      if (failNext) {
        failNext = false;
        throw new Error('connection refused');
      }
      return ids.flatMap((id): LoadedRow<{ owner: number }>[] =>
        id <= n
          ? [{ id, value: { owner: owners.get(id) ?? id * 10 }, archived: false }]
          : id > 1000 && id <= 1000 + n
            ? [{ id, value: { owner: 7 }, archived: true }]
            : [],
      );
    },
  });
  return {
    lookup,
    queries,
    owners,
    failOnce: () => {
      failNext = true;
    },
  };
}

describe('BatchLookup', () => {
  it('coalesces gets made in the same turn into one query', async () => {
    const { lookup, queries } = tracked();
    const found = await Promise.all([1, 2, 3, 2].map((id) => lookup.get(id)));
    expect(found).toEqual([{ owner: 10 }, { owner: 20 }, { owner: 30 }, { owner: 20 }]);
    expect(queries).toEqual([[1, 2, 3]]);
  });

  it('answers from memory afterwards and queries only for what is new', async () => {
    const { lookup, queries } = tracked();
    await lookup.get(1);
    await lookup.get(1);
    await lookup.get(2);
    expect(queries).toEqual([[1], [2]]);
    expect(lookup.stats).toMatchObject({ queries: 2, hits: 1, misses: 2 });
  });

  it('returns undefined for rows that do not exist, without caching the miss', async () => {
    const { lookup, queries } = tracked(5);
    expect(await lookup.get(9)).toBeUndefined();
    expect(await lookup.get(9)).toBeUndefined();
    expect(queries).toEqual([[9], [9]]);
  });

  it('prefetches a batch in chunks of maxBatch, skipping what is cached or already loading', async () => {
    const { lookup, queries } = tracked(100, { maxBatch: 3 });
    await lookup.get(1);
    const loading = lookup.get(2);
    await lookup.prefetch([1, 2, 3, 4, 5, 6, 7, 3]);
    await loading;
    expect(queries).toEqual([[1], [2, 3, 4], [5, 6, 7]]);
    for (const id of [1, 2, 3, 4, 5, 6, 7]) await lookup.get(id);
    expect(lookup.stats.queries).toBe(3);
  });

  it('keeps at most `capacity` entries, dropping the least recently used', async () => {
    const { lookup, queries } = tracked(100, { capacity: 2 });
    await lookup.prefetch([1, 2]);
    await lookup.get(1); // 2 is now the least recently used
    await lookup.get(3);
    expect(lookup.size).toBe(2);
    await lookup.get(1);
    await lookup.get(2);
    expect(queries).toEqual([[1, 2], [3], [2]]);
  });

  it('answers for remembered rows, even ones the database no longer has', async () => {
    const { lookup, queries } = tracked(5);
    lookup.remember(42, { owner: 7 });
    expect(await lookup.get(42)).toEqual({ owner: 7 });
    expect(queries).toEqual([]);
  });

  it('turns a failed query into a retriable error, and queries again on the next get', async () => {
    const { lookup, failOnce } = tracked();
    failOnce();
    await expect(lookup.get(1)).rejects.toMatchObject({ code: 'ML_LOOKUP_FAILED', retriable: true });
    expect(await lookup.get(1)).toEqual({ owner: 10 });
  });

  it('answers a deleted row from the archive in the same query, and counts it', async () => {
    const { lookup, queries } = tracked(5);
    await lookup.prefetch([1, 1001, 9]);
    expect(await lookup.get(1)).toEqual({ owner: 10 });
    expect(await lookup.get(1001)).toEqual({ owner: 7 });
    expect(await lookup.get(9)).toBeUndefined();
    expect(queries).toEqual([[1, 1001, 9], [9]]);
    expect(lookup.stats.archived).toBe(1);
  });

  it('prefers the live row when a load returns an id both live and archived', async () => {
    const lookup = new BatchLookup<{ owner: number }>({
      name: 'thing',
      load: async () => [
        { id: 1, value: { owner: 10 }, archived: false },
        { id: 1, value: { owner: 7 }, archived: true },
      ],
    });
    expect(await lookup.get(1)).toEqual({ owner: 10 });
  });
});

describe('BatchLookup of mutable relations', () => {
  it('loads the ids of every batch again, and answers that batch from what it loaded', async () => {
    const { lookup, queries, owners } = tracked(5, { mutable: true });
    await lookup.prefetch([1, 2]);
    expect(await lookup.get(1)).toEqual({ owner: 10 });
    owners.set(1, 30); // the row changes between two batches (an image moved to another post)
    await lookup.prefetch([1, 2]);
    expect(await lookup.get(1)).toEqual({ owner: 30 });
    expect(await lookup.get(2)).toEqual({ owner: 20 });
    expect(queries).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });

  it('joins the prefetches of one turn (the listeners of a batch) into one query', async () => {
    const { lookup, queries } = tracked(5, { mutable: true });
    await Promise.all([lookup.prefetch([1, 2]), lookup.prefetch([2, 3])]);
    expect(queries).toEqual([[1, 2, 3]]);
  });

  it('without a prefetch, queries again once a value is older than freshForMs', async () => {
    const { lookup, queries, owners } = tracked(5, { mutable: true, freshForMs: 30 });
    await lookup.get(1);
    await lookup.get(1);
    owners.set(1, 30);
    await new Promise((r) => setTimeout(r, 40));
    expect(await lookup.get(1)).toEqual({ owner: 30 });
    expect(queries).toEqual([[1], [1]]);
  });

  it("ignores values remembered from the stream, which can be older than the database's", async () => {
    const { lookup, queries } = tracked(5, { mutable: true });
    lookup.remember(1, { owner: 99 });
    expect(await lookup.get(1)).toEqual({ owner: 10 });
    expect(queries).toEqual([[1]]);
  });
});
