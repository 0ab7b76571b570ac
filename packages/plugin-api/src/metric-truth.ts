/** Where the rows a truth counts live: the app's Postgres tables or its ClickHouse source tables. */
export type TruthSource = 'postgres' | 'clickhouse';

/**
 * What some metrics of one entity type must equal, written a second time as SQL over the source (never
 * derived from the listener's code): per entity, metric and exact `createdAt` of the counted row (the time
 * the listener gives that row's events), the sum the stored events must have. Reconcile compares stored
 * events with it; repair writes the difference.
 *
 * Every query returns the columns `entityId`, `metricType`, `createdAtMs` (epoch ms of the counted row's
 * creation time) and `value`, one row per group:
 * - `postgres`: `$1` is the entity ids (`int[]`); it runs inside the caller's snapshot.
 * - `clickhouse`: `{ids:Array(Int64)}` are the entity ids and `{before:Int64}` an epoch-ms bound (count
 *   only rows created before it); each of `lookups` is a Postgres query (`$1` = the entity ids) returning
 *   `key` and `value`, passed as the parameter of that name, typed `Map(Int64, Int64)` (e.g. version → model).
 */
export interface MetricTruth {
  readonly source: TruthSource;
  readonly entityType: string;
  /** The metrics the query returns rows for. */
  readonly metrics: readonly string[];
  readonly sql: string;
  readonly lookups?: Readonly<Record<string, string>>;
}
