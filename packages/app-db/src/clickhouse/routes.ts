import { type ClickHouseSourceTable, clickhouseSourceTables } from './source-tables.js';

/** The topic prefix of ClickHouse source rows in production and on the local stack. */
export const DEFAULT_CLICKHOUSE_TOPIC_PREFIX = 'clickhouse';

/** The Kafka topic that carries a source table's rows. */
export function clickhouseSourceTopic(
  table: ClickHouseSourceTable,
  prefix = DEFAULT_CLICKHOUSE_TOPIC_PREFIX,
): string {
  return `${prefix}.${table.topicSuffix}`;
}

/**
 * Routes for the event-bus decoder (`createDecoder({ clickhouse: clickhouseSourceRoutes() })`): topic →
 * table, time column and id column. Structurally the decoder's `RoutingOptions['clickhouse']`.
 */
export function clickhouseSourceRoutes(
  prefix = DEFAULT_CLICKHOUSE_TOPIC_PREFIX,
  tables = clickhouseSourceTables,
): Record<string, { table: string; timestampColumn: string; idColumn: string }> {
  return Object.fromEntries(
    tables.map((t) => [
      clickhouseSourceTopic(t, prefix),
      { table: t.table, timestampColumn: t.timestampColumn, idColumn: t.idColumn },
    ]),
  );
}
