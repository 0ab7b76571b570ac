/**
 * Related ids of a row (an image's post and owner, a version's model), by the row's id. Listeners declare
 * lookups as typed tokens in their `deps`; the host resolves them to Prisma-backed `BatchLookup`s and tests
 * to in-memory ones (`memoryLookup`).
 */
export interface Lookup<V> {
  /**
   * The related ids of `id`: from the live table, or from the archive of deleted rows when the row went
   * with a cascade; undefined when it is in neither.
   */
  get(id: number): Promise<V | undefined>;
  /** Loads what a Kafka batch needs in as few queries as possible (one per lookup and batch). */
  prefetch(ids: Iterable<number>): Promise<void>;
  /**
   * Stores the related ids seen in a change of the parent row itself, so children created after it need
   * no query. Lookups of mutable relations ignore it (the database is never older than the stream).
   */
  remember(id: number, value: V): void;
}

/** Counters of a lookup, for the query-count measurement and the status page. */
export interface LookupStats {
  /** Queries sent to the database (each one reads up to `maxBatch` ids, live and archived). */
  queries: number;
  /** Ids those queries asked for. */
  idsRequested: number;
  /** `get` calls answered from memory. */
  hits: number;
  /** `get` calls that had to wait for a query. */
  misses: number;
  /** Ids found only in the archive of deleted rows (parents deleted with their children). */
  archived: number;
}
