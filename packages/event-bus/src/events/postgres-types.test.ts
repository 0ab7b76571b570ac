import { describe, expect, it } from 'vitest';
import { loadFixture } from './__fixtures__/load.js';
import { typeProbeRow17, typeProbeRow17Raw } from './__fixtures__/type-probe-row.js';
import { decodeConnectDecimal } from './connect-decimal.js';
import { type ConnectSchema, convertRow, convertValue } from './postgres-types.js';

const logical = (name: string, type = 'int64', parameters?: Record<string, string>): ConnectSchema => ({
  type,
  name,
  ...(parameters === undefined ? {} : { parameters }),
});

describe('decodeConnectDecimal', () => {
  it.each([
    ['AeII', 4, '12.3400'],
    ['/yko', 4, '-5.5000'],
    ['AA==', 4, '0.0000'],
    ['/w==', 2, '-0.01'],
    ['AR9x+wki', 4, '123456789.1234'],
    ['BfXg/w==', 0, '99999999'],
  ])('%s scale %i → %s', (bytes, scale, expected) => {
    expect(decodeConnectDecimal(bytes, scale)).toBe(expected);
  });

  it('rejects text that is not base64, naming the column', () => {
    expect(() => decodeConnectDecimal('12.34', 2, 'amount')).toThrow(/EB_DECODE_BAD_VALUE: column "amount"/);
  });
});

describe('convertValue', () => {
  it('converts each Debezium timestamp encoding to a Date', () => {
    expect(convertValue(1717243496123, logical('io.debezium.time.Timestamp'), 'c')).toEqual(
      new Date('2024-06-01T12:04:56.123Z'),
    );
    expect(convertValue(1717243496123, logical('org.apache.kafka.connect.data.Timestamp'), 'c')).toEqual(
      new Date('2024-06-01T12:04:56.123Z'),
    );
    expect(convertValue(1717243496123456, logical('io.debezium.time.MicroTimestamp'), 'c')).toEqual(
      new Date('2024-06-01T12:04:56.123Z'),
    );
    // ns since epoch exceed 2^53, so the parser hands them over as text
    expect(convertValue('1717243496123456789', logical('io.debezium.time.NanoTimestamp'), 'c')).toEqual(
      new Date('2024-06-01T12:04:56.123Z'),
    );
    expect(
      convertValue(
        '2024-06-01T14:04:56.123456+02:00',
        logical('io.debezium.time.ZonedTimestamp', 'string'),
        'c',
      ),
    ).toEqual(new Date('2024-06-01T12:04:56.123Z'));
  });

  it('rounds pre-1970 microseconds down, not toward zero', () => {
    expect(convertValue(-1500, logical('io.debezium.time.MicroTimestamp'), 'c')).toEqual(new Date(-2));
  });

  it('turns days since epoch into a YYYY-MM-DD date', () => {
    expect(convertValue(19875, logical('io.debezium.time.Date', 'int32'), 'day')).toBe('2024-06-01');
    expect(convertValue(-1, logical('io.debezium.time.Date', 'int32'), 'day')).toBe('1969-12-31');
  });

  it('decodes Decimal and VariableScaleDecimal to exact text', () => {
    const decimal = logical('org.apache.kafka.connect.data.Decimal', 'bytes', { scale: '4' });
    expect(convertValue('AeII', decimal, 'amount')).toBe('12.3400');
    const variable = logical('io.debezium.data.VariableScaleDecimal', 'struct');
    expect(convertValue({ scale: 2, value: 'AeII' }, variable, 'n')).toBe('1234.00');
  });

  it('passes json, enum, plain and unknown logical types through, and null as null', () => {
    expect(convertValue('{"a": 1}', logical('io.debezium.data.Json', 'string'), 'meta')).toBe('{"a": 1}');
    expect(convertValue('Heart', logical('io.debezium.data.Enum', 'string'), 'reaction')).toBe('Heart');
    expect(convertValue(true, { type: 'boolean' }, 'flag')).toBe(true);
    expect(convertValue(45296000000, logical('io.debezium.time.MicroTime'), 't')).toBe(45296000000);
    expect(convertValue(null, logical('io.debezium.time.MicroTimestamp'), 'at')).toBeNull();
  });

  it('throws EB_DECODE_BAD_VALUE naming the column on a mismatch', () => {
    expect(() =>
      convertValue('yesterday', logical('io.debezium.time.ZonedTimestamp', 'string'), 'atz'),
    ).toThrow('EB_DECODE_BAD_VALUE: column "atz": expected an ISO-8601 timestamp, got "yesterday"');
    expect(() => convertValue(1.5, logical('io.debezium.time.MicroTimestamp'), 'at')).toThrow(/column "at"/);
  });
});

describe('convertRow', () => {
  it('converts the fields its schema names and keeps the rest', () => {
    const schema: ConnectSchema = {
      type: 'struct',
      fields: [{ type: 'int32', name: 'io.debezium.time.Date', field: 'day' }],
    };
    expect(convertRow({ day: 0, other: 'x' }, schema)).toEqual({ day: '1970-01-01', other: 'x' });
    expect(convertRow({ day: 0 }, undefined)).toEqual({ day: 0 });
  });
});

/** The `after` field schema and value of a captured with-schema fixture. */
function capturedAfter(name: string): { schema: ConnectSchema; after: Record<string, unknown> } {
  const { value } = loadFixture(`debezium/${name}`);
  const envelope = JSON.parse(value!.toString('utf8')) as {
    schema: { fields: (ConnectSchema & { field: string })[] };
    payload: { after: Record<string, unknown> };
  };
  const schema = envelope.schema.fields.find((f) => f.field === 'after')!;
  return { schema, after: envelope.payload.after };
}

const shape = (schema: ConnectSchema) =>
  Object.fromEntries((schema.fields ?? []).map((f) => [f.field, [f.type, f.name ?? null]]));

describe('Postgres types as captured from Debezium 3.7.0.Final (decimal.handling.mode=string)', () => {
  it('TypeProbe: bigserial, numeric, boolean, jsonb, timestamp(6), timestamptz, date', () => {
    const { schema, after } = capturedAfter('type-probe.create.schema');
    expect(shape(schema)).toEqual({
      id: ['int64', null],
      amount: ['string', null],
      flag: ['boolean', null],
      meta: ['string', 'io.debezium.data.Json'],
      at: ['int64', 'io.debezium.time.MicroTimestamp'],
      atz: ['string', 'io.debezium.time.ZonedTimestamp'],
      day: ['int32', 'io.debezium.time.Date'],
    });
    expect(after).toEqual(typeProbeRow17Raw);
    expect(convertRow(after, schema)).toEqual(typeProbeRow17);
  });

  it('ImageReaction: serial and integer, enum, timestamp(3)', () => {
    const { schema, after } = capturedAfter('image-reaction.create.schema');
    expect(shape(schema)).toEqual({
      id: ['int32', null],
      imageId: ['int32', null],
      userId: ['int32', null],
      reaction: ['string', 'io.debezium.data.Enum'],
      createdAt: ['int64', 'io.debezium.time.Timestamp'],
    });
    expect(schema.fields?.find((f) => f.field === 'reaction')?.parameters).toEqual({
      allowed: 'Like,Dislike,Laugh,Cry,Heart',
    });
    expect(convertRow(after, schema)).toEqual({
      id: 1833,
      imageId: 49,
      userId: 57,
      reaction: 'Heart',
      createdAt: new Date('2024-06-01T12:05:00.250Z'),
    });
  });
});
