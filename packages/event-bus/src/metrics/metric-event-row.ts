import type { EntityMetricEvent } from '@engagement/plugin-api';

/** The row shape of the metric event table, as sent in JSONEachRow: the event with its time as text. */
export type MetricEventRow = Omit<EntityMetricEvent, 'createdAt' | 'sourceTx'> & {
  createdAt: string;
  sourceTx: number | null;
};

/** Formats a Date as ClickHouse's DateTime64(3) text in UTC. */
export function toClickHouseTime(date: Date): string {
  const iso = date.toISOString();
  // Slices rather than two replaces (this runs per event); years past 9999 have a longer ISO form.
  return iso.length === 24
    ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}`
    : iso.replace('T', ' ').replace('Z', '');
}

/**
 * The event's table row as JSON: one JSONEachRow line, the text both the metric topic and the ClickHouse
 * insert carry. The host serialises each event once, when it publishes it, and the insert reuses the text.
 */
export function metricEventJson(e: EntityMetricEvent): string {
  return JSON.stringify(toMetricEventRow(e));
}

/** Converts a metric event into its table row. */
export function toMetricEventRow(e: EntityMetricEvent): MetricEventRow {
  return {
    eventId: e.eventId,
    entityType: e.entityType,
    entityId: e.entityId,
    userId: e.userId,
    metricType: e.metricType,
    metricValue: e.metricValue,
    createdAt: toClickHouseTime(e.createdAt),
    origin: e.origin,
    originSeq: e.originSeq,
    sourceTx: e.sourceTx ?? null,
  };
}
