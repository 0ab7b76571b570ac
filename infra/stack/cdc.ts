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
  /**
   * The table Debezium's heartbeat writes to (see the connector's heartbeat.action.query): a change on an
   * otherwise idle database, so the slot's confirmed LSN keeps moving (reconcile waits on it).
   */
  heartbeatTable: '_cdc_heartbeat',
  /**
   * Bookkeeping tables that must never reach Kafka. The deleted-row archive (migration 0003) is outside
   * `public` and so outside the publication and `schema.include.list` already; it is listed too so that
   * widening the captured schemas cannot start streaming it.
   */
  excludedTables: ['public._migrations', 'public._cdc_heartbeat', 'event_bus.deleted_row'],
} as const;
