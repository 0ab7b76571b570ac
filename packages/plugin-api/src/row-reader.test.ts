import { describe, expect, it } from 'vitest';
import { readRow } from './row-reader.js';

describe('readRow', () => {
  const row = readRow({
    id: 1,
    big: '9223372036854775807',
    smallText: '42',
    name: 'Heart',
    flag: false,
    ms: 1717243496123,
    us: 1717243496123456,
    ns: '1717243496123456789',
    iso: '2024-06-01T12:04:56.123456Z',
    clickhouse: '2024-06-01 12:04:56.123456',
    when: new Date('2024-06-01T12:04:56.123Z'),
    days: 19875,
    dayText: '2024-06-01',
    amount: '-5.5000',
    chDecimal: 12.34,
    base64: 'AeII',
    meta: '{"tags": ["a"]}',
    parsed: { tags: ['a'] },
    gone: null,
  });
  const at = new Date('2024-06-01T12:04:56.123Z');

  it('reads integers from numbers and text', () => {
    expect(row.int('id')).toBe(1);
    expect(row.int('smallText')).toBe(42);
    expect(row.bigint('big')).toBe(9223372036854775807n);
    expect(row.bigint('id')).toBe(1n);
    expect(() => row.int('big')).toThrow('EB_DECODE_BAD_VALUE: column "big": expected a safe integer');
  });

  it('reads strings and booleans strictly', () => {
    expect(row.string('name')).toBe('Heart');
    expect(row.bool('flag')).toBe(false);
    expect(() => row.string('id')).toThrow('column "id": expected a string, got 1');
    expect(() => row.bool('name')).toThrow('column "name": expected a boolean');
  });

  it('reads timestamps in every encoding that arrives', () => {
    for (const column of ['ms', 'us', 'ns', 'iso', 'clickhouse', 'when'])
      expect(row.date(column)).toEqual(at);
    expect(() => row.date('name')).toThrow('column "name": expected a timestamp');
  });

  it('tells ms from µs at 1e14', () => {
    expect(readRow({ t: 99_999_999_999_999 }).date('t').toISOString()).toBe('5138-11-16T09:46:39.999Z');
    expect(readRow({ t: 100_000_000_000_000 }).date('t').toISOString()).toBe('1973-03-03T09:46:40.000Z');
  });

  it('reads SQL dates as YYYY-MM-DD', () => {
    expect(row.day('days')).toBe('2024-06-01');
    expect(row.day('dayText')).toBe('2024-06-01');
    expect(row.day('when')).toBe('2024-06-01');
  });

  it('reads decimals as text and refuses schema-less Connect bytes', () => {
    expect(row.decimal('amount')).toBe('-5.5000');
    expect(row.decimal('chDecimal')).toBe('12.34');
    expect(() => row.decimal('base64')).toThrow(/column "base64": expected decimal text/);
  });

  it('parses JSON text and passes parsed JSON through', () => {
    expect(row.json<{ tags: string[] }>('meta')).toEqual({ tags: ['a'] });
    expect(row.json('parsed')).toEqual({ tags: ['a'] });
    expect(() => row.json('name')).toThrow('column "name": invalid JSON text');
  });

  it('treats null and missing columns as absent', () => {
    expect(row.isNull('gone')).toBe(true);
    expect(row.isNull('missing')).toBe(true);
    expect(row.isNull('id')).toBe(false);
    expect(row.raw('gone')).toBeNull();
    expect(() => row.string('gone')).toThrow('column "gone": expected a value, got null');
    expect(() => row.int('missing')).toThrow('column "missing": expected a value, got nothing');
  });
});
