import { DecodeError } from '../errors.js';
import { type MetricEventRow, toMetricEventRow } from '../sinks/clickhouse/metric-event-store.js';
import type { EntityMetricEvent } from './entity-metric-event.js';

/**
 * Entity metric events travel on Kafka as one JSONEachRow row per message: the format ClickHouse's
 * Kafka-engine export produces in production, and the one the host publishes with the embedded engine.
 * The key is the origin, so every event of one origin lands in one partition, in order.
 */
export function encodeMetricMessage(e: EntityMetricEvent): { key: string; value: string } {
  return { key: e.origin, value: JSON.stringify(toMetricEventRow(e)) };
}

/** Parses a metric message; ClickHouse may quote 64-bit integers, so numbers are accepted as strings too. */
export function decodeMetricMessage(value: Buffer | string | null): EntityMetricEvent {
  if (value === null) throw new DecodeError('EB_DECODE_UNKNOWN_SHAPE', 'metric message without a value');
  let row: Partial<Record<keyof MetricEventRow, unknown>>;
  try {
    row = JSON.parse(value.toString());
  } catch (cause) {
    throw new DecodeError('EB_DECODE_INVALID_JSON', 'metric message is not JSON', cause);
  }
  const int = (name: keyof MetricEventRow): number => {
    const n = Number(row[name]);
    if (!Number.isSafeInteger(n))
      throw new DecodeError('EB_DECODE_BAD_VALUE', `metric message ${name}=${row[name]}`);
    return n;
  };
  const str = (name: keyof MetricEventRow): string => {
    if (typeof row[name] !== 'string')
      throw new DecodeError('EB_DECODE_BAD_VALUE', `metric message lacks ${name}`);
    return row[name] as string;
  };
  const createdAt = new Date(`${str('createdAt').replace(' ', 'T')}Z`);
  if (Number.isNaN(createdAt.getTime()))
    throw new DecodeError('EB_DECODE_BAD_VALUE', 'metric message createdAt');
  return {
    eventId: str('eventId'),
    entityType: str('entityType'),
    entityId: int('entityId'),
    userId: int('userId'),
    metricType: str('metricType'),
    metricValue: int('metricValue'),
    createdAt,
    origin: str('origin'),
    originSeq: int('originSeq'),
  };
}
