/** ClickHouse: the client factory (embedded chDB or a server URL), the metric event table and its store. */
export { type ClickHouseLocation, openClickHouse } from './client.js';
export {
  type MetricEventRow,
  MetricEventStore,
  toClickHouseTime,
  toMetricEventRow,
} from './metric-event-store.js';
export { ensureMetricEventTable, metricEventTableDdl } from './schema.js';
