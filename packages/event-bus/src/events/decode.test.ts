import { describe, expect, it } from 'vitest';
import { DecodeError } from '../errors.js';
import { loadFixture } from './__fixtures__/load.js';
import type { ChangeEvent } from './change-event.js';
import { createDecoder } from './decode.js';

const decode = createDecoder({
  debezium: { topicPrefix: 'app' },
  clickhouse: { 'engagement.metric-events': { table: 'metric_events', timestampColumn: 'createdAt' } },
});

function eventOf(name: string): ChangeEvent {
  const result = decode(loadFixture(name));
  if (result.kind !== 'event') throw new Error(`${name}: expected an event, got skip "${result.reason}"`);
  return result.event;
}

const v1Converted = {
  id: 1,
  amount: '12.3400',
  flag: true,
  meta: '{"tags": ["a", "b"], "score": 5}',
  at: new Date('2024-06-01T12:04:56.123Z'),
  atz: new Date('2024-06-01T12:04:56.123Z'),
  day: '2024-06-01',
};
const v2Converted = { ...v1Converted, amount: '-5.5000', flag: false, meta: '{"tags": [], "score": null}' };
const v1Raw = {
  id: 1,
  amount: 'AeII',
  flag: true,
  meta: '{"tags": ["a", "b"], "score": 5}',
  at: 1717243496123456,
  atz: '2024-06-01T12:04:56.123456Z',
  day: 19875,
};
const v2Raw = { ...v1Raw, amount: '/yko', flag: false, meta: '{"tags": [], "score": null}' };

describe('createDecoder on Debezium fixtures (with schema: logical types converted)', () => {
  it.each([
    ['snapshot', 'snapshot', null, v1Converted, '2024-06-01T12:04:50.001Z', '40'],
    ['create', 'create', null, v1Converted, '2024-06-01T12:04:56.123Z', '41'],
    ['update', 'update', v1Converted, v2Converted, '2024-06-01T12:05:01.250Z', '42'],
    ['delete', 'delete', v2Converted, null, '2024-06-01T12:05:05.900Z', '43'],
  ] as const)('%s', (name, op, before, after, occurredAt, offset) => {
    const event = eventOf(`debezium/type-probe.${name}.schema`);
    expect(event).toEqual({
      source: 'postgres',
      table: 'TypeProbe',
      op,
      before,
      after,
      occurredAt: new Date(occurredAt),
      id: event.id,
      position: { topic: 'app.public.TypeProbe', partition: 0, offset },
    });
  });

  it('keeps numeric as text under decimal.handling.mode=string', () => {
    expect(eventOf('debezium/type-probe.create.schema.decimal-string').after).toEqual(v1Converted);
  });

  it('converts an enum and a millisecond Timestamp', () => {
    expect(eventOf('debezium/image-reaction.create.schema').after).toEqual({
      id: 7,
      imageId: 42,
      userId: 3,
      reaction: 'Heart',
      createdAt: new Date('2024-06-01T12:05:00.250Z'),
    });
  });
});

describe('createDecoder on Debezium fixtures (schemas.enable=false: values as Debezium encodes them)', () => {
  it.each([
    ['snapshot', 'snapshot', null, v1Raw],
    ['create', 'create', null, v1Raw],
    ['update', 'update', v1Raw, v2Raw],
    ['delete', 'delete', v2Raw, null],
  ] as const)('%s', (name, op, before, after) => {
    const event = eventOf(`debezium/type-probe.${name}.no-schema`);
    expect({ op: event.op, before: event.before, after: event.after }).toEqual({ op, before, after });
  });

  it('reads an enum as its label', () => {
    expect(eventOf('debezium/image-reaction.create.no-schema').after).toEqual({
      id: 7,
      imageId: 42,
      userId: 3,
      reaction: 'Heart',
      createdAt: 1717243500250,
    });
  });
});

describe('change identity', () => {
  it('is pinned: downstream dedup keys depend on it, so a change here is a breaking change', () => {
    // sha256('["public","TypeProbe",26851352,752,"c",{"id":1}]'), first 32 hex chars
    expect(eventOf('debezium/type-probe.create.schema').id).toBe('pg:d30d4c75a36b01650c408714dd15da3a');
  });

  it('does not depend on the Kafka offset or on the converter embedding the schema', () => {
    for (const name of ['snapshot', 'create', 'update', 'delete']) {
      const withSchema = eventOf(`debezium/type-probe.${name}.schema`);
      const withoutSchema = eventOf(`debezium/type-probe.${name}.no-schema`);
      expect(withSchema.position.offset).not.toBe(withoutSchema.position.offset);
      expect(withoutSchema.id).toBe(withSchema.id);
    }
  });

  it('differs between the changes of one row', () => {
    const ids = ['snapshot', 'create', 'update', 'delete'].map(
      (n) => eventOf(`debezium/type-probe.${n}.schema`).id,
    );
    expect(new Set(ids).size).toBe(4);
  });
});

describe('createDecoder skips', () => {
  it.each([
    ['debezium/type-probe.tombstone', 'tombstone'],
    ['debezium/type-probe.truncate.schema', 'truncate'],
    ['debezium/heartbeat.schema', 'heartbeat'],
    ['debezium/transaction.begin.schema', 'transaction'],
    ['debezium/transaction.end.schema', 'transaction'],
    ['debezium/transaction.begin.no-schema', 'transaction'],
  ])('%s → %s', (name, reason) => {
    expect(decode(loadFixture(name))).toEqual({ kind: 'skip', reason });
  });
});

describe('createDecoder on ClickHouse fixtures', () => {
  it('decodes a row with quoted 64-bit integers', () => {
    expect(eventOf('clickhouse/metric-event.quoted-int64')).toMatchObject({
      source: 'clickhouse',
      table: 'metric_events',
      op: 'create',
      before: null,
      after: {
        eventId: 'me_4f1c2a9e0b7d4c3a',
        entityType: 'image',
        entityId: '9007199254740993',
        metric: 'reactions',
        delta: '1',
        createdAt: '2024-06-01 12:05:00.250',
      },
      occurredAt: new Date('2024-06-01T12:05:00.250Z'),
      position: { topic: 'engagement.metric-events', partition: 2, offset: '1001' },
    });
  });

  it('keeps unquoted integers beyond 2^53 exact, and gives the same row the same id either way', () => {
    const quoted = eventOf('clickhouse/metric-event.quoted-int64');
    const unquoted = eventOf('clickhouse/metric-event.unquoted-int64');
    expect(unquoted.after).toMatchObject({ entityId: '9007199254740993', delta: 1 });
    expect(unquoted.id).toBe(quoted.id);
  });

  it('falls back to the Kafka position without an eventId', () => {
    const event = eventOf('clickhouse/metric-event.no-event-id');
    expect(event.id).toMatch(/^ch:[0-9a-f]{32}$/);
    expect(event.id).not.toBe(eventOf('clickhouse/metric-event.quoted-int64').id);
  });
});

describe('createDecoder routing errors', () => {
  it('rejects a topic nothing routes, by default', () => {
    const record = { ...loadFixture('debezium/type-probe.create.schema'), topic: 'other.public.TypeProbe' };
    expect(() => decode(record)).toThrow(
      expect.objectContaining({ code: 'EB_DECODE_UNKNOWN_TOPIC', constructor: DecodeError }),
    );
  });

  it('skips it when told to', () => {
    const lenient = createDecoder({ debezium: { topicPrefix: 'app' }, unknownTopic: 'skip' });
    const record = { ...loadFixture('debezium/type-probe.create.schema'), topic: 'other.public.TypeProbe' };
    expect(lenient(record)).toEqual({ kind: 'skip', reason: 'unknown-topic' });
  });
});
