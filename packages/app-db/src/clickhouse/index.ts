/** The app's ClickHouse source tables (downloads, generation jobs, compensation) and their path to Kafka. */

export { clickhouseSourceRoutes, clickhouseSourceTopic, DEFAULT_CLICKHOUSE_TOPIC_PREFIX } from './routes.js';
export {
  ClickHouseRowPublisher,
  type ClickHouseRowPublisherOptions,
  type ClickHouseSourceRow,
} from './row-publisher.js';
export {
  buzzResourceCompensation,
  type ClickHouseSourceTable,
  clickhouseSourceDdl,
  clickhouseSourceTables,
  modelVersionEvents,
  orchestrationJobs,
} from './source-tables.js';
