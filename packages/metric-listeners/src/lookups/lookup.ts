/**
 * Related ids of a row (an image's post and owner, a version's model), by the row's id. Listeners declare
 * lookups as typed tokens in their `deps`; the host resolves them to Prisma-backed `BatchLookup`s and tests
 * to in-memory ones (`memoryLookup`).
 */
export interface Lookup<V> {
  /** The related ids of `id`, or undefined when the row is neither in the database nor remembered. */
  get(id: number): Promise<V | undefined>;
  /** Loads what is not cached yet in as few queries as possible (one per lookup and Kafka batch). */
  prefetch(ids: Iterable<number>): Promise<void>;
  /**
   * Stores the related ids seen in a change of the parent row itself. A parent's delete is remembered
   * this way, so children deleted with it (a cascade) still find where they were counted.
   */
  remember(id: number, value: V): void;
  /**
   * Resolves once `id` is remembered, or with undefined after the lookup's wait bound. For a parent that
   * is gone from the database: its own change (create or delete) is usually on another partition that
   * this host consumes concurrently, so waiting briefly beats dead-lettering.
   */
  whenRemembered(id: number): Promise<V | undefined>;
}

/** Counters of a lookup, for the query-count measurement and the status page. */
export interface LookupStats {
  /** Queries sent to the database (each one `findMany` of up to `maxBatch` ids). */
  queries: number;
  /** Ids those queries asked for. */
  idsRequested: number;
  /** `get` calls answered from memory. */
  hits: number;
  /** `get` calls that had to wait for a query. */
  misses: number;
  /** Rows neither in the database nor remembered, waited for (`whenRemembered`). */
  waits: number;
}
