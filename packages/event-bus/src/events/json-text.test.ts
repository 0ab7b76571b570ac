import { describe, expect, it } from 'vitest';
import { parseJson } from './json-text.js';

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

  it('still rejects invalid JSON', () => {
    expect(() => parseJson('{"a":12345678901234567,')).toThrow(SyntaxError);
    expect(() => parseJson('not json')).toThrow(SyntaxError);
  });
});
