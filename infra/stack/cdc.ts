/**
 * Names shared by the Postgres part (which owns the publication) and the Connect part
 * (whose Debezium connector reads through it). One slot and one publication for the app database.
 */
export const cdc = {
  connectorName: 'app-postgres',
  topicPrefix: 'app',
  slotName: 'dbz_app',
  publicationName: 'dbz_app',
  database: 'app',
  /** Bookkeeping tables that must never reach Kafka. */
  excludedTables: ['public._migrations'],
} as const;
