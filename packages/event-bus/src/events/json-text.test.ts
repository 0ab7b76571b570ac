import { describe, expect, it } from 'vitest';
import { holdsNoLargeNumber, mayHoldUnsafeInteger, parseJson, quoteUnsafeIntegers } from './json-text.js';

describe('parseJson', () => {
  it('keeps integers beyond 2^53 as exact decimal text', () => {
    expect(parseJson('{"a":9007199254740993,"b":-9223372036854775808,"c":[18446744073709551615]}')).toEqual({
      a: '9007199254740993',
      b: '-9223372036854775808',
      c: ['18446744073709551615'],
    });
  });

  it('leaves safe integers, floats and digits inside strings alone', () => {
    expect(
      parseJson(
        '{"max":9007199254740991,"f":1717243496123456000.5,"s":"12345678901234567890","e":"\\"9007199254740993"}',
      ),
    ).toEqual({
      max: 9007199254740991,
      f: Number('1717243496123456000.5'),
      s: '12345678901234567890',
      e: '"9007199254740993',
    });
  });

  it("keeps JSON.parse's result only when no number the caller reads reached 2^53", () => {
    expect(holdsNoLargeNumber({ a: [9007199254740991, -9007199254740991, 0.5, 's'], b: null })).toBe(true);
    for (const n of [2 ** 53, -(2 ** 53), 1e300, -Infinity]) {
      expect(holdsNoLargeNumber({ a: [1, { b: n }] })).toBe(false);
    }
    const text = '{"ts_ns":1717243490001001000,"row":{"id":9007199254740993}}';
    const readsRow = (parsed: unknown) => holdsNoLargeNumber((parsed as { row: unknown }).row);
    // The row lost digits in JSON.parse: the text is scanned, and every unsafe integer is kept.
    expect(parseJson(text, readsRow)).toEqual({
      ts_ns: '1717243490001001000',
      row: { id: '9007199254740993' },
    });
    // Only what the check does not read may stay rounded.
    const safeRow = '{"ts_ns":1717243490001001000,"row":{"id":9007199254740991}}';
    expect(parseJson(safeRow, readsRow)).toEqual(JSON.parse(safeRow));
    expect(parseJson(safeRow)).toEqual({ ts_ns: '1717243490001001000', row: { id: 9007199254740991 } });
  });

  it('still rejects invalid JSON', () => {
    expect(() => parseJson('{"a":12345678901234567,')).toThrow(SyntaxError);
    expect(() => parseJson('not json')).toThrow(SyntaxError);
  });

  it('keeps every integer beyond 2^53 exact: boundaries, 16 to 20 digits, negative, nested, not in strings', () => {
    const unsafe = [
      '9007199254740992', // 2^53
      '9007199254740993',
      '9999999999999999', // largest 16 digits
      '-9007199254740992',
      '-9007199254740993',
      '10000000000000000', // smallest 17 digits
      '12345678901234567',
      '1717243490001001000', // a Debezium ts_ns, 19 digits
      '9223372036854775807',
      '-9223372036854775808',
      '18446744073709551615', // 20 digits
    ];
    for (const n of unsafe) {
      expect(parseJson(`${n}`)).toBe(n);
      expect(mayHoldUnsafeInteger(n)).toBe(true);
      const text = `{"a":[1,{"b":${n}}],"s":"${n}","t":"x ${n} y","c":[${n},-1],"d":{"e":{"f":${n}}}}`;
      expect(parseJson(text)).toEqual({
        a: [1, { b: n }],
        s: n,
        t: `x ${n} y`,
        c: [n, -1],
        d: { e: { f: n } },
      });
    }
  });

  it('parses safe integers as numbers, 9007199254740991 and -9007199254740991 included', () => {
    for (const n of ['9007199254740991', '-9007199254740991', '1717243490001001', '999999999999999', '0']) {
      expect(parseJson(`{"n":${n}}`)).toEqual({ n: Number(n) });
    }
  });

  it('sends a Debezium microsecond timestamp down the fast path, a nanosecond one not', () => {
    const micros =
      '{"after":{"createdAt":1717243490001001},"source":{"ts_ms":1717243490001,"ts_us":1717243490001001}}';
    expect(mayHoldUnsafeInteger(micros)).toBe(false);
    expect(parseJson(micros)).toEqual(JSON.parse(micros));
    expect(mayHoldUnsafeInteger('{"ts_ns":1717243490001001000}')).toBe(true);
    // Any 16-digit run from 2^53 up triggers it, also one in a string or a fraction (harmless: same result).
    expect(mayHoldUnsafeInteger('{"s":"9007199254740992"}')).toBe(true);
    expect(mayHoldUnsafeInteger('{"s":"9007199254740991","f":0.123}')).toBe(false);
    expect(mayHoldUnsafeInteger('[1,2,900719925474099]')).toBe(false);
  });

  it('gives the same result as always taking the slow path, around the 2^53 boundary', () => {
    const values: string[] = [];
    for (let d = -40n; d <= 40n; d++) {
      const n = 2n ** 53n + d;
      values.push(`${n}`, `${-n}`, `${n}.5`, `${n}e2`, `"${n}"`);
    }
    for (let digits = 14; digits <= 21; digits++) {
      values.push(
        '1'.repeat(digits),
        '9'.repeat(digits),
        `-${'9'.repeat(digits)}`,
        `1${'0'.repeat(digits - 1)}`,
      );
    }
    for (const v of values) {
      const text = `{"v":${v},"w":[${v}]}`;
      expect(parseJson(text)).toEqual(JSON.parse(quoteUnsafeIntegers(text)));
    }
  });

  it('quotes only the unsafe runs when they are whole integers, and otherwise gives the full scan its say', () => {
    const big = '12345678901234567890';
    const cases = [
      `{"ts_ns":${big}}`,
      `{"ts_ns":-${big},"ts_ms":1717243490001}`,
      // Runs inside strings, fractions and exponents: the quick rewrite is invalid JSON, the full scan decides.
      `{"s":"a:${big},b","n":${big}}`,
      `{"s":"-${big}"}`,
      `{"f":1.${big},"n":${big}}`,
      `{"e":1e-${big.slice(0, 3)},"g":${big}.5}`,
      `{"e":2E+${big}}`,
      `[${big},"${big}",-${big},{"k":"${big}"}]`,
    ];
    for (const text of cases) {
      expect(parseJson(text)).toEqual(JSON.parse(quoteUnsafeIntegers(text)));
    }
    expect(parseJson(`{"s":"a:${big},b","n":${big}}`)).toEqual({ s: `a:${big},b`, n: big });
  });

  it('agrees with the full scan on random documents', () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const digits = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        i === 0 ? 1 + Math.floor(next() * 9) : Math.floor(next() * 10),
      ).join('');
    const atom = (): string => {
      const n = digits(1 + Math.floor(next() * 21));
      const kinds = [
        n,
        `-${n}`,
        `${n}.${digits(2)}`,
        `${n}e${digits(1)}`,
        `"${n}"`,
        `"x ${n}:${n},"`,
        '"a\\\\"',
        'true',
      ];
      return kinds[Math.floor(next() * kinds.length)]!;
    };
    for (let i = 0; i < 2000; i++) {
      const text = `{"a":${atom()},"b":[${atom()},${atom()}],"c":{"d":${atom()}}}`;
      expect(parseJson(text)).toEqual(JSON.parse(quoteUnsafeIntegers(text)));
    }
  });
});
