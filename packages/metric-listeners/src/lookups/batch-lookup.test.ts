import { describe, expect, it } from 'vitest';
import { BatchLookup, type BatchLookupOptions } from './batch-lookup.js';

/** A lookup over `n` rows whose loader records every query it is sent. */
function tracked(n = 100, options: Partial<BatchLookupOptions<{ owner: number }>> = {}) {
  const queries: number[][] = [];
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
      return ids.filter((id) => id <= n).map((id) => [id, { owner: id * 10 }] as const);
    },
  });
  return {
    lookup,
    queries,
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

  it('wakes a wait for a missing parent when its own change is remembered', async () => {
    const { lookup } = tracked(5, { rememberWaitMs: 10_000 });
    const waiting = lookup.whenRemembered(42);
    lookup.remember(42, { owner: 7 });
    expect(await waiting).toEqual({ owner: 7 });
    expect(lookup.stats.waits).toBe(1);
  });

  it('waits once for an id it gave up on, until givenUpForMs passed or the id is remembered', async () => {
    const { lookup } = tracked(5, { rememberWaitMs: 20, givenUpForMs: 200 });
    expect(await lookup.whenRemembered(42)).toBeUndefined();
    const started = Date.now();
    expect(await lookup.whenRemembered(42)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(15);
    expect(lookup.stats.waits).toBe(1);
    // Remembered after all: answered, and a later miss of it waits again.
    lookup.remember(42, { owner: 7 });
    expect(await lookup.whenRemembered(42)).toEqual({ owner: 7 });
    await new Promise((r) => setTimeout(r, 200));
    expect(await lookup.whenRemembered(43)).toBeUndefined();
    expect(await lookup.whenRemembered(43)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 210));
    expect(await lookup.whenRemembered(43)).toBeUndefined();
    expect(lookup.stats.waits).toBe(3);
  });

  it('gives up waiting after rememberWaitMs', async () => {
    const { lookup } = tracked(5, { rememberWaitMs: 20 });
    const started = Date.now();
    expect(await lookup.whenRemembered(42)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
  });
});
