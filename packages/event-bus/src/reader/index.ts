/** Metric reads for the app: Redis first, misses filled from ClickHouse, a drift check. */
export type { MetricTimeframe } from '../sinks/clickhouse/timeframes.js';
export type { FillStep } from './cache-filler.js';
export { type CheckDriftOptions, checkDrift, type DriftDetail, type DriftReport } from './check-drift.js';
export { type AverageDefinitions, defaultAverages } from './derived-metrics.js';
export {
  createMetricReader,
  type MetricReader,
  type MetricReaderOptions,
  type MetricRequest,
  type MetricValues,
  type ReadStats,
} from './metric-reader.js';
export {
  createRolloutReader,
  type RolloutDifference,
  type RolloutMode,
  type RolloutReaderOptions,
} from './rollout-reader.js';
export { defaultMaxAgeMs, type WindowMaxAge } from './window-freshness.js';
