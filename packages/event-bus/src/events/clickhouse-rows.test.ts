import { describe, expect, it } from 'vitest';
import { changeId } from './change-id.js';
import { decodeClickHouseRow } from './clickhouse-rows.js';
import type { KafkaRecord } from './kafka-record.js';

const route = { kind: 'clickhouse', table: 'metric_events', timestampColumn: 'createdAt' } as const;
const record = (value: string | null, offset = '9'): KafkaRecord => ({
  topic: 'engagement.metric-events',
  partition: 1,
  offset,
  key: null,
  value: value === null ? null : Buffer.from(value),
});
const eventOf = (value: string, r: typeof route & { idColumn?: string } = route, offset?: string) => {
  const result = decodeClickHouseRow(record(value, offset), r);
  if (result.kind !== 'event') throw new Error('expected an event');
  return result.event;
};

describe('decodeClickHouseRow', () => {
  it('reads DateTime64 text as UTC, truncating beyond ms', () => {
    expect(eventOf('{"createdAt":"2024-06-01 12:05:00.250999"}').occurredAt).toEqual(
      new Date('2024-06-01T12:05:00.250Z'),
    );
    expect(eventOf('{"createdAt":"2024-06-01 12:05:00"}').occurredAt).toEqual(
      new Date('2024-06-01T12:05:00Z'),
    );
    expect(eventOf('{"createdAt":"2024-06-01T12:05:00.250Z"}').occurredAt).toEqual(
      new Date('2024-06-01T12:05:00.250Z'),
    );
  });

  it('rejects a missing or zoneless-ISO timestamp column', () => {
    expect(() => eventOf('{"at":"2024-06-01 12:05:00"}')).toThrow(
      `EB_DECODE_BAD_VALUE: column "createdAt": expected 'YYYY-MM-DD hh:mm:ss[.fff]' (UTC), got undefined`,
    );
    expect(() => eventOf('{"createdAt":"2024-06-01T12:05:00"}')).toThrow(/column "createdAt"/);
  });

  it('uses eventId when present: the same id whichever path published the row', () => {
    const row = '{"eventId":"e1","createdAt":"2024-06-01 12:05:00"}';
    expect(eventOf(row, route, '1').id).toBe(changeId('ch', ['metric_events', 'e1']));
    expect(eventOf(row, route, '2').id).toBe(eventOf(row, route, '1').id);
  });

  it('uses the Kafka position without one', () => {
    const row = '{"createdAt":"2024-06-01 12:05:00"}';
    expect(eventOf(row, route, '1').id).toBe(
      changeId('ch', ['position', 'engagement.metric-events', 1, '1']),
    );
  });

  it('requires a configured id column, and reads it quoted or not', () => {
    const byUid = { ...route, idColumn: 'uid' };
    expect(() => eventOf('{"eventId":"e1","createdAt":"2024-06-01 12:05:00"}', byUid)).toThrow(
      'EB_DECODE_BAD_VALUE: column "uid": expected a row id, got undefined',
    );
    expect(eventOf('{"uid":18446744073709551615,"createdAt":"2024-06-01 12:05:00"}', byUid).id).toBe(
      eventOf('{"uid":"18446744073709551615","createdAt":"2024-06-01 12:05:00"}', byUid).id,
    );
  });

  it('skips null values and rejects non-objects and bad JSON', () => {
    expect(decodeClickHouseRow(record(null), route)).toEqual({ kind: 'skip', reason: 'tombstone' });
    expect(() => decodeClickHouseRow(record('[1]'), route)).toThrow(/^EB_DECODE_UNKNOWN_SHAPE/);
    expect(() => decodeClickHouseRow(record('{"a":1}\n{"a":2}'), route)).toThrow(/^EB_DECODE_INVALID_JSON/);
  });
});
