/** Where a change was captured. */
export type ChangeSource = 'postgres' | 'clickhouse';

/** What happened to the row: Debezium's c/u/d/r, spelled out. */
export type ChangeOp = 'create' | 'update' | 'delete' | 'snapshot';

/** The Kafka coordinates a change was read from. Offsets are strings because they exceed 2^53. */
export interface KafkaPosition {
  topic: string;
  partition: number;
  offset: string;
}

/** One captured row change, decoded from Debezium JSON or a ClickHouse JSONEachRow message. */
export interface ChangeEvent<Row = Record<string, unknown>> {
  source: ChangeSource;
  /** Source table name as the database spells it, e.g. `ImageReaction`. */
  table: string;
  op: ChangeOp;
  /** The row before the change; present on update/delete only with `REPLICA IDENTITY FULL`. */
  before: Row | null;
  /** The row after the change; null on delete. */
  after: Row | null;
  /** When the change happened at the source (Debezium `source.ts_ms`), never the wall clock. */
  occurredAt: Date;
  /**
   * Stable identity of this change, the same on every redelivery. For Postgres it is derived from the
   * WAL position (`source.lsn`) and the row key; for ClickHouse rows from topic/partition/offset.
   */
  id: string;
  position: KafkaPosition;
  /**
   * Where the change sits in its source's own log, as a string that sorts in that log's order, or null when
   * the source has no ordered position (ClickHouse rows, snapshot reads). For Postgres it is Debezium's
   * `source.sequence` (see `debeziumSourcePosition`); the ingest stage uses it to recognise changes a
   * connector re-sent at new offsets.
   */
  sourcePosition: string | null;
  /**
   * The source transaction: Debezium's `source.txId`, the 32-bit Postgres xid of the transaction that made
   * the change (no epoch). Every metric event derived from the change carries it. Absent for ClickHouse rows.
   */
  sourceTx?: number;
}

/** The row an event is about: `after` for creates and updates, `before` for deletes. */
export function currentRow<Row>(event: ChangeEvent<Row>): Row {
  const row = event.after ?? event.before;
  if (row === null) throw new TypeError(`change ${event.id} on ${event.table} carries no row`);
  return row;
}
