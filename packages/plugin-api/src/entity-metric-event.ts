/**
 * One change of one metric of one entity: the unit every sink stores or applies.
 * `metricValue` is a signed delta (+1 for a like, -1 when it is removed).
 */
export interface EntityMetricEvent {
  /** Deterministic id derived from the source change; replays produce the same id. */
  eventId: string;
  entityType: string;
  entityId: number;
  /** The user who caused the change (0 when unknown). */
  userId: number;
  metricType: string;
  metricValue: number;
  /** When the source change happened. */
  createdAt: Date;
  /**
   * Where the event came from, for exactly-once cache updates: all events of one origin arrive in
   * `originSeq` order, so a consumer that remembers the highest applied sequence per origin can skip replays.
   * For Kafka-sourced events the origin is `topic:partition`.
   */
  origin: string;
  /** Position within the origin: source offset * 1000 + index of the event within that change. */
  originSeq: number;
  /**
   * The Postgres transaction of the change it was derived from (Debezium's 32-bit `source.txId`), so
   * reconcile can tell whether a Postgres snapshot sees it. Absent (or null) for events from ClickHouse
   * rows and for corrections: those count in every snapshot.
   */
  sourceTx?: number | null;
}

/** What a listener supplies; the runtime adds the id, origin and, unless given, the time. */
export interface MetricInput {
  entityType: string;
  entityId: number;
  userId?: number;
  metricType: string;
  metricValue: number;
  createdAt?: Date;
}

/** How many metric events one change may produce; bounds `originSeq` arithmetic. */
export const MAX_EVENTS_PER_CHANGE = 1000;
