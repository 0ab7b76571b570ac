import type { MetricTimeframe } from '../sinks/clickhouse/timeframes.js';

/** How long after its fill a hash's windowed values may still be served, per timeframe (ms). */
export type WindowMaxAge = Record<Exclude<MetricTimeframe, 'all'>, number>;

const MINUTE = 60_000;

/**
 * Defaults: about 0.3% of each window. A windowed value filled at `at` counts items created since
 * `at − window`; read at `now` it also still counts items that aged out during `now − at`. Recomputing once
 * that gap exceeds this bound caps the error to the items created in a slice this long at the window's old edge.
 */
export const defaultMaxAgeMs: WindowMaxAge = {
  day: 5 * MINUTE,
  week: 30 * MINUTE,
  month: 2 * 60 * MINUTE,
  year: 24 * 60 * MINUTE,
};
