import { BatchLookup } from './batch-lookup.js';

export interface MemoryLookupOptions<V> {
  /** Rows deleted already: answered as the archive of deleted rows would. */
  archived?: Iterable<readonly [number, V]>;
  /** Read again for every batch, as a lookup of mutable relations. Default false. */
  mutable?: boolean;
}

/**
 * A lookup over fixed rows, for tests and benchmarks: the same batching and caching as production,
 * with `load` reading maps instead of Postgres. `stats.queries` counts what Postgres would have seen.
 */
export function memoryLookup<V>(
  name: string,
  rows: Iterable<readonly [number, V]>,
  options: MemoryLookupOptions<V> = {},
): BatchLookup<V> {
  const live = new Map(rows);
  const archived = new Map(options.archived ?? []);
  return new BatchLookup<V>({
    name,
    mutable: options.mutable,
    load: async (ids) =>
      ids.flatMap((id) => {
        const value = live.get(id) ?? archived.get(id);
        return value === undefined ? [] : [{ id, value, archived: !live.has(id) }];
      }),
  });
}
