// Metric events for the integration tests, numbered so that each is new and later than the one before.
import type { EntityMetricEvent } from '@engagement/plugin-api';

let seq = 0;

type Fields = Pick<
  EntityMetricEvent,
  'entityType' | 'entityId' | 'metricType' | 'metricValue' | 'createdAt' | 'origin'
>;

/** A metric event by user 0, with the next id and sequence number of its origin. */
export function metricEvent(fields: Fields): EntityMetricEvent {
  seq++;
  return { ...fields, eventId: `${fields.origin}/${seq}`, userId: 0, originSeq: seq };
}
