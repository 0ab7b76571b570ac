/** ClickHouse: the client factory (embedded chDB or a server URL), the metric event table, its store and totals. */
export { type ClickHouseLocation, openClickHouse } from './client.js';
export {
  type CompleteCreatedIndexOptions,
  CREATED_INDEX_COMPLETE,
  CREATED_INDEX_COPIED,
  CREATED_INDEX_COPYING,
  type CreatedIndexTables,
  completeCreatedIndex,
  createdIndexDdl,
  createdIndexMarkSql,
  createdIndexTables,
  ensureCreatedIndex,
} from './created-index.js';
export {
  type CompactOptions,
  type CompactResult,
  compactRollup,
  MONTH_FOLD_LAG_DAYS,
} from './metric-compaction.js';
export {
  type JsonLines,
  type MetricEventRow,
  MetricEventStore,
  metricEventJson,
  toClickHouseTime,
  toJsonLines,
  toMetricEventRow,
} from './metric-event-store.js';
export {
  defaultCompactEvery,
  defaultRollIntervalMs,
  MetricRoller,
  type RollupSchedule,
} from './metric-roller.js';
export { type RollOptions, type RollResult, rollMetricEvents } from './metric-rollup.js';
export { type MetricTotals, type MetricTotalsQuery, readMetricTotals } from './metric-totals.js';
export {
  type CommittedRoll,
  headChainFilter,
  type RollFloor,
  type RollState,
  RollStateCache,
  readRollState,
} from './roll-state.js';
export { checkRollup, type RollupCheck, type RollupDifference } from './rollup-check.js';
export { type RollupRepair, repairRollup } from './rollup-repair.js';
export { ensureRollupTables, type RollupTables, rollupDdl, rollupTables } from './rollup-schema.js';
export { ensureMetricEventTable, metricEventTableDdl, metricEventTableMigrations } from './schema.js';
export {
  isMetricTimeframe,
  METRIC_TIMEFRAMES,
  type MetricTimeframe,
  TIMEFRAME_DAYS,
  windowStartMs,
} from './timeframes.js';
