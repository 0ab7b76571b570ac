/** ClickHouse: the client factory (embedded chDB or a server URL), the metric event table, its store and totals. */
export { type ClickHouseLocation, openClickHouse } from './client.js';
export {
  type MetricEventRow,
  MetricEventStore,
  toClickHouseTime,
  toMetricEventRow,
} from './metric-event-store.js';
export { type MetricTotals, type MetricTotalsQuery, readMetricTotals } from './metric-totals.js';
export { ensureMetricEventTable, metricEventTableDdl, metricEventTableMigrations } from './schema.js';
export {
  isMetricTimeframe,
  METRIC_TIMEFRAMES,
  type MetricTimeframe,
  TIMEFRAME_DAYS,
  windowStartMs,
} from './timeframes.js';
