import type { ChangeEvent } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../errors.js';
import { loadFixture } from './__fixtures__/load.js';
import { typeProbeRow17, typeProbeRow17Raw } from './__fixtures__/type-probe-row.js';
import { createDecoder } from './decode.js';
import type { KafkaRecord } from './kafka-record.js';

// Captured fixtures come from two connectors on one stack (see __fixtures__/README.md): the stack's
// own (`app.*`, no schema envelope) and a temporary one (`fixtures.*`, with schema).
const decodeApp = createDecoder({
  debezium: { topicPrefix: 'app' },
  clickhouse: { 'engagement.metric-events': { table: 'metric_events', timestampColumn: 'createdAt' } },
});
const decodeFixtures = createDecoder({ debezium: { topicPrefix: 'fixtures' } });
const decode = (record: KafkaRecord) =>
  /(^|\.)fixtures(\.|$)/.test(record.topic) ? decodeFixtures(record) : decodeApp(record);

function eventOf(name: string): ChangeEvent {
  const result = decode(loadFixture(name));
  if (result.kind !== 'event') throw new Error(`${name}: expected an event, got skip "${result.reason}"`);
  return result.event;
}

// Captured from Debezium 3.7.0.Final, decimal.handling.mode=string: TypeProbe row 17 (the snapshot
// row is 16), ImageReaction row 1833.
const v1Converted = typeProbeRow17;
const v2Converted = { ...v1Converted, amount: '-5.5000', flag: false, meta: '{"tags": [], "score": null}' };
const v1Raw = typeProbeRow17Raw;
const v2Raw = { ...v1Raw, amount: '-5.5000', flag: false, meta: '{"tags": [], "score": null}' };
const reactionConverted = {
  id: 1833,
  imageId: 49,
  userId: 57,
  reaction: 'Heart',
  createdAt: new Date('2024-06-01T12:05:00.250Z'),
};
const reactionRaw = { ...reactionConverted, createdAt: 1717243500250 };

describe('createDecoder on captured Debezium fixtures (with schema: logical types converted)', () => {
  it.each([
    ['snapshot', 'snapshot', null, { ...v1Converted, id: 16 }, 1795244601246, '0', 2919],
    ['create', 'create', null, v1Converted, 1795244603517, '1', 2920],
    ['update', 'update', v1Converted, v2Converted, 1795244603519, '2', 2921],
    ['delete', 'delete', v2Converted, null, 1795244603520, '3', 2922],
  ] as const)(
    'TypeProbe %s: bigint, numeric as text, boolean, jsonb, MicroTimestamp, ZonedTimestamp, Date',
    (name, op, before, after, occurredAt, offset, sourceTx) => {
      const event = eventOf(`debezium/type-probe.${name}.schema`);
      expect(event).toEqual({
        source: 'postgres',
        table: 'TypeProbe',
        op,
        before,
        after,
        occurredAt: new Date(occurredAt),
        id: event.id,
        position: { topic: 'fixtures.public.TypeProbe', partition: 0, offset },
        // Streamed changes carry source.sequence as hex LSNs. No position for snapshot reads, nor for the
        // temporary connector's first streamed change, whose lastCommitLsn is null (fixtures README).
        sourcePosition:
          name === 'snapshot' || name === 'create'
            ? null
            : expect.stringMatching(/^[0-9a-f]{16}:[0-9a-f]{16}$/),
        sourceTx,
      });
    },
  );

  it.each([
    ['create', 'create', null, reactionConverted, 1795244603525, '0', 2926],
    [
      'update',
      'update',
      reactionConverted,
      { ...reactionConverted, reaction: 'Like' },
      1795244603526,
      '1',
      2927,
    ],
    ['delete', 'delete', { ...reactionConverted, reaction: 'Like' }, null, 1795244603527, '2', 2928],
  ] as const)(
    'ImageReaction %s: integers, enum, millisecond Timestamp, source transaction',
    (name, op, before, after, occurredAt, offset, sourceTx) => {
      const event = eventOf(`debezium/image-reaction.${name}.schema`);
      expect(event).toEqual({
        source: 'postgres',
        table: 'ImageReaction',
        op,
        before,
        after,
        occurredAt: new Date(occurredAt),
        id: event.id,
        position: { topic: 'fixtures.public.ImageReaction', partition: 0, offset },
        sourcePosition: expect.stringMatching(/^[0-9a-f]{16}:[0-9a-f]{16}$/),
        sourceTx,
      });
    },
  );

  it('decodes numeric under decimal.handling.mode=precise (hand-written: the stack uses string)', () => {
    const event = eventOf('debezium/type-probe.create.schema.decimal-precise');
    expect(event.after).toEqual({ ...v1Converted, id: 1 });
  });
});

describe('createDecoder on captured Debezium fixtures (schemas.enable=false: values as Debezium encodes them)', () => {
  it.each([
    ['create', 'create', null, v1Raw, '20'],
    ['update', 'update', v1Raw, v2Raw, '21'],
    ['delete', 'delete', v2Raw, null, '22'],
  ] as const)('TypeProbe %s', (name, op, before, after, offset) => {
    const event = eventOf(`debezium/type-probe.${name}.no-schema`);
    expect({ op: event.op, before: event.before, after: event.after, position: event.position }).toEqual({
      op,
      before,
      after,
      position: { topic: 'app.public.TypeProbe', partition: 0, offset },
    });
  });

  it.each([
    ['create', 'create', null, reactionRaw],
    ['update', 'update', reactionRaw, { ...reactionRaw, reaction: 'Like' }],
    ['delete', 'delete', { ...reactionRaw, reaction: 'Like' }, null],
  ] as const)('ImageReaction %s: the enum as its label, Timestamp as epoch ms', (name, op, before, after) => {
    const event = eventOf(`debezium/image-reaction.${name}.no-schema`);
    expect({ table: event.table, op: event.op, before: event.before, after: event.after }).toEqual({
      table: 'ImageReaction',
      op,
      before,
      after,
    });
  });

  it('snapshot (hand-written: the stack connector runs snapshot.mode=no_data)', () => {
    const event = eventOf('debezium/type-probe.snapshot.no-schema');
    expect({ op: event.op, before: event.before, after: event.after }).toEqual({
      op: 'snapshot',
      before: null,
      after: { ...v1Raw, id: 1, amount: 'AeII' },
    });
  });
});

describe('change identity', () => {
  it('is pinned: downstream dedup keys depend on it, so a change here is a breaking change', () => {
    // sha256('["public","TypeProbe",27895648,2920,"c",{"id":17}]'), first 32 hex chars
    expect(eventOf('debezium/type-probe.create.schema').id).toBe('pg:8af620d82296b245255daf07cb12dcb6');
  });

  it('is the same for one change read by both connectors (other topic, offset, schema envelope)', () => {
    for (const name of [
      'type-probe.create',
      'type-probe.update',
      'type-probe.delete',
      'image-reaction.create',
      'image-reaction.update',
      'image-reaction.delete',
    ]) {
      const withSchema = eventOf(`debezium/${name}.schema`);
      const withoutSchema = eventOf(`debezium/${name}.no-schema`);
      expect(withSchema.position).not.toEqual(withoutSchema.position);
      expect(withoutSchema.id).toBe(withSchema.id);
    }
  });

  it('differs between the changes of one row', () => {
    const ids = ['create', 'update', 'delete'].map((n) => eventOf(`debezium/type-probe.${n}.schema`).id);
    expect(new Set(ids).size).toBe(3);
  });
});

describe('createDecoder skips', () => {
  it.each([
    ['debezium/type-probe.tombstone.schema', 'tombstone'],
    ['debezium/type-probe.tombstone.no-schema', 'tombstone'],
    ['debezium/image-reaction.tombstone.schema', 'tombstone'],
    ['debezium/image-reaction.tombstone.no-schema', 'tombstone'],
    ['debezium/type-probe.truncate.schema', 'truncate'],
    ['debezium/heartbeat.schema', 'heartbeat'],
    ['debezium/heartbeat.no-schema', 'heartbeat'],
    ['debezium/transaction.begin.schema', 'transaction'],
    ['debezium/transaction.end.schema', 'transaction'],
    ['debezium/transaction.begin.no-schema', 'transaction'],
    ['debezium/transaction.end.no-schema', 'transaction'],
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
    const record = {
      ...loadFixture('debezium/type-probe.create.no-schema'),
      topic: 'other.public.TypeProbe',
    };
    expect(() => decodeApp(record)).toThrow(
      expect.objectContaining({ code: 'EB_DECODE_UNKNOWN_TOPIC', constructor: DecodeError }),
    );
  });

  it('skips it when told to', () => {
    const lenient = createDecoder({ debezium: { topicPrefix: 'app' }, unknownTopic: 'skip' });
    const record = {
      ...loadFixture('debezium/type-probe.create.no-schema'),
      topic: 'other.public.TypeProbe',
    };
    expect(lenient(record)).toEqual({ kind: 'skip', reason: 'unknown-topic' });
  });
});
