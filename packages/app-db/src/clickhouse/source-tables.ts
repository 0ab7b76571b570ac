/**
 * The app's ClickHouse tables that metrics read: download events, generation jobs and creator
 * compensation. Production already has them; the local stack creates them from these definitions
 * (infra/stack/clickhouse-ddl.ts), and infra/clickhouse/production/0002_export_source_rows_to_kafka.sql
 * exports their new rows to Kafka with the same columns.
 *
 * Ids are Int32 like the Postgres ids they point at, so JSONEachRow renders them as plain numbers.
 * Every table has a row id column that is the same on every path to Kafka (production Kafka engine or
 * the local publisher), which the event-bus decoder uses as the change's identity.
 */
export interface ClickHouseSourceTable {
  /** Table name as listeners see it in `event.table` (database-qualified outside `default`). */
  table: string;
  /** Column with the row's own identity. */
  idColumn: string;
  /** Column with when the row happened (DateTime64(3, 'UTC')). */
  timestampColumn: string;
  /** Topic suffix: the topic is `<prefix>.<topicSuffix>`. */
  topicSuffix: string;
  /** Column list (name and type) shared by the table and its Kafka export table. */
  columns: readonly (readonly [name: string, type: string])[];
  /** Engine clause of the table itself. */
  engine: string;
}

/** Model version events: `type = 'Download'` rows are the downloadCount of the version and its model. */
export const modelVersionEvents: ClickHouseSourceTable = {
  table: 'modelVersionEvents',
  idColumn: 'eventId',
  timestampColumn: 'time',
  topicSuffix: 'modelVersionEvents',
  columns: [
    ['eventId', 'String'],
    ['type', 'LowCardinality(String)'],
    ['time', "DateTime64(3, 'UTC')"],
    ['userId', 'Int32'],
    ['modelId', 'Int32'],
    ['modelVersionId', 'Int32'],
    ['nsfw', 'Bool'],
    ['earlyAccess', 'Bool'],
  ],
  engine: 'MergeTree PARTITION BY toYYYYMM(time) ORDER BY (modelVersionId, time, eventId)',
};

/**
 * Generation jobs of the orchestrator: each job adds 1 to generationCount of every model version in
 * `resourcesUsed` and of each of their models (once per model, whatever number of its versions).
 */
export const orchestrationJobs: ClickHouseSourceTable = {
  table: 'orchestration.jobs',
  idColumn: 'jobId',
  timestampColumn: 'createdAt',
  topicSuffix: 'orchestration.jobs',
  columns: [
    ['jobId', 'String'],
    ['type', 'LowCardinality(String)'],
    ['userId', 'Int32'],
    ['createdAt', "DateTime64(3, 'UTC')"],
    ['cost', 'Int32'],
    ['resourcesUsed', 'Array(Int32)'],
    ['status', 'LowCardinality(String)'],
  ],
  engine: 'MergeTree PARTITION BY toYYYYMM(createdAt) ORDER BY (createdAt, jobId)',
};

/**
 * Buzz paid to a resource's creator for generations made with it: `total` (= comp + tip) is the
 * earnedAmount of the model version and of its model.
 */
export const buzzResourceCompensation: ClickHouseSourceTable = {
  table: 'buzz_resource_compensation',
  idColumn: 'id',
  timestampColumn: 'createdAt',
  topicSuffix: 'buzz_resource_compensation',
  columns: [
    ['id', 'String'],
    ['createdAt', "DateTime64(3, 'UTC')"],
    ['date', 'Date'],
    ['modelVersionId', 'Int32'],
    ['accountId', 'Int32'],
    ['comp', 'Int32'],
    ['tip', 'Int32'],
    ['total', 'Int32'],
  ],
  engine: 'MergeTree PARTITION BY toYYYYMM(createdAt) ORDER BY (modelVersionId, createdAt, id)',
};

/** Every ClickHouse source table, in creation order. */
export const clickhouseSourceTables: readonly ClickHouseSourceTable[] = [
  modelVersionEvents,
  orchestrationJobs,
  buzzResourceCompensation,
];

/** `CREATE` statements (databases first) for the source tables; each is idempotent. */
export function clickhouseSourceDdl(tables = clickhouseSourceTables): string[] {
  const databases = new Set(tables.filter((t) => t.table.includes('.')).map((t) => t.table.split('.')[0]!));
  return [
    ...[...databases].map((db) => `CREATE DATABASE IF NOT EXISTS ${db}`),
    ...tables.map(
      (t) =>
        `CREATE TABLE IF NOT EXISTS ${t.table} (\n${t.columns.map(([n, ty]) => `  ${n} ${ty}`).join(',\n')}\n)\nENGINE = ${t.engine}`,
    ),
  ];
}
