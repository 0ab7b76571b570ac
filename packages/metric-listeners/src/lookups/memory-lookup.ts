import { BatchLookup } from './batch-lookup.js';

/**
 * A lookup over fixed rows, for tests and benchmarks: the same batching and caching as production,
 * with `load` reading a map instead of Postgres. `stats.queries` counts what Postgres would have seen.
 * It does not wait for missing rows to be remembered unless `rememberWaitMs` says so.
 */
export function memoryLookup<V>(
  name: string,
  rows: Iterable<readonly [number, V]>,
  options: { rememberWaitMs?: number } = {},
): BatchLookup<V> {
  const table = new Map(rows);
  return new BatchLookup<V>({
    name,
    rememberWaitMs: options.rememberWaitMs ?? 0,
    load: async (ids) => ids.flatMap((id) => (table.has(id) ? [[id, table.get(id) as V] as const] : [])),
  });
}
