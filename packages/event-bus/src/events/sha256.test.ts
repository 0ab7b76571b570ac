import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { metricEventId } from '../metrics/event-id.js';
import { changeId, stableStringify } from './change-id.js';
import { sha256Hex } from './sha256.js';

const reference = (data: string) => createHash('sha256').update(data).digest('hex');

const inputs = [
  '',
  'a',
  'pg:0123456789abcdef0123456789abcdef\u0000reactions\u00000',
  '[{"id":42},"public","ImageReaction",1717243490001001]',
  'ünïcödé — 絵文字 🎉 \u0000 \ud83d\ude00',
  'lone surrogate \ud800 here',
  'x'.repeat(100_000),
  JSON.stringify({ big: '9223372036854775807', n: -1.5e-300 }),
];

describe('sha256Hex', () => {
  it('gives exactly what createHash gives', () => {
    for (const input of inputs) expect(sha256Hex(input)).toBe(reference(input));
  });

  it('keeps change ids and metric event ids byte-identical to the createHash derivation', () => {
    for (const parts of [
      [],
      [{ id: 42 }, 'public', 'ImageReaction', 1717243490001001],
      ['ü', null, { b: 1, a: 2 }],
    ]) {
      expect(changeId('pg', parts)).toBe(`pg:${reference(stableStringify(parts)).slice(0, 32)}`);
    }
    for (const [change, listener, index] of [
      ['pg:0123456789abcdef0123456789abcdef', 'reactions', 0],
      ['ch:ffffffffffffffffffffffffffffffff', 'tips/ü', 17],
    ] as const) {
      expect(metricEventId(change, listener, index)).toBe(
        reference(`${change}\u0000${listener}\u0000${index}`).slice(0, 32),
      );
    }
  });
});
