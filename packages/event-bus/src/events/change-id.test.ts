import { describe, expect, it } from 'vitest';
import { changeId, stableStringify } from './change-id.js';
import { sha256Hex } from './sha256.js';

/** The first version of stableStringify: ids already stored were hashed from its text. */
function reference(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A small seeded generator (mulberry32), so a failure names a value that can be reproduced. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const KEYS = ['id', 'Id', 'userId', 'a', 'b', 'é', 'z\u0000', '10', '9', '__proto__', '"q"', '\ud83d\ude00'];

function value(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 2 ? 8 : 11));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return Math.floor(next() * 2 ** 53) * (next() < 0.5 ? -1 : 1);
    case 3:
      return next() * 1e6;
    case 4:
      return BigInt(Math.floor(next() * 2 ** 50)) * 1_000_000n;
    case 5:
      return next() < 0.5;
    case 6:
      return KEYS[Math.floor(next() * KEYS.length)]!.repeat(1 + Math.floor(next() * 3));
    case 7:
      return new Date(Math.floor(next() * 4e12));
    case 8:
      return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
    default: {
      const out: Record<string, unknown> = {};
      const n = Math.floor(next() * 5);
      for (let i = 0; i < n; i++) {
        Object.defineProperty(out, KEYS[Math.floor(next() * KEYS.length)]!, {
          value: value(next, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
  }
}

describe('stableStringify', () => {
  it('writes exactly the text of its first version for random values (stored ids depend on it)', () => {
    const next = random(20261130);
    for (let i = 0; i < 20_000; i++) {
      const v = value(next, 0);
      expect(stableStringify(v), JSON.stringify(reference(v))).toBe(reference(v));
    }
  });

  it('keeps the first version on the shapes JSON never makes: holes, functions, symbols', () => {
    // biome-ignore lint/suspicious/noSparseArray: a hole is the point
    const odd: unknown[] = [[1, , 2], [() => 1, Symbol('s')], { f: () => 1 }, [undefined]];
    for (const v of odd) expect(stableStringify(v)).toBe(reference(v));
  });

  it('gives every change id of the first version, through its shortcut for flat parts too', () => {
    const next = random(20261206);
    const first = (parts: unknown[]) => `pg:${sha256Hex(reference(parts)).slice(0, 32)}`;
    const flatKey = () => {
      const key: Record<string, unknown> = {};
      for (const k of ['a', 'id', 'b', '10', '9', '__proto__'].slice(0, Math.floor(next() * 4)))
        Object.defineProperty(key, k, { value: value(next, 3), enumerable: true, writable: true });
      return key;
    };
    for (let i = 0; i < 5_000; i++) {
      const parts: unknown[] = [
        'public',
        'Image',
        Math.floor(next() * 2 ** 40),
        next() < 0.2 ? null : 9,
        'c',
      ];
      parts.push(next() < 0.5 ? flatKey() : value(next, 1));
      expect(changeId('pg', parts), JSON.stringify(reference(parts))).toBe(first(parts));
    }
    expect(changeId('pg', ['public', 'Image', 1, 2, 'c', { id: 7 }])).toBe(
      first(['public', 'Image', 1, 2, 'c', { id: 7 }]),
    );
  });

  it('sorts keys, so key order does not change a change id', () => {
    const parts = (key: unknown) => ['public', 'Image', '123', 9, 'u', key];
    expect(changeId('pg', parts({ b: 1, a: 2 }))).toBe(changeId('pg', parts({ a: 2, b: 1 })));
    expect(stableStringify({ b: 1, a: [2, { d: 1, c: 2n }] })).toBe('{"a":[2,{"c":"2","d":1}],"b":1}');
  });
});
