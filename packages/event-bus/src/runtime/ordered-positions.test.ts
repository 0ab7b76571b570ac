import { describe, expect, it } from 'vitest';
import {
  decodePositions,
  encodePositions,
  MAX_IDS_IN_METADATA,
  NO_POSITIONS,
  nextPositions,
} from './ordered-positions.js';

const MAX = '0000000001a9cc38:0000000001a9cc38';
const changeId = (i: number) => `pg:${i.toString(16).padStart(32, '0')}`;

describe('nextPositions', () => {
  it('moves up with every higher position, collects changes at the same one, refuses the rest', () => {
    const a = nextPositions(NO_POSITIONS, '1:1', 'a');
    expect(a).toEqual({ resend: false, state: { max: '1:1', atMax: ['a'] } });
    const b = nextPositions(a.state, '1:1', 'b');
    expect(b).toEqual({ resend: false, state: { max: '1:1', atMax: ['a', 'b'] } });
    expect(nextPositions(b.state, '1:1', 'a')).toEqual({ resend: true, state: b.state });
    expect(nextPositions(b.state, '0:9', 'c')).toEqual({ resend: true, state: b.state });
    expect(nextPositions(b.state, null, 'a')).toEqual({ resend: false, state: b.state });
  });
});

describe('positions as commit metadata', () => {
  it('round-trips with the offset it was committed for, and only with that offset', () => {
    const positions = { max: MAX, atMax: [changeId(1), changeId(2)] };
    const metadata = encodePositions('42', positions);
    expect(decodePositions(metadata, '42')).toEqual(positions);
    expect(decodePositions(metadata, '41')).toEqual(NO_POSITIONS);
  });

  it('reads absent, foreign or malformed metadata as nothing known', () => {
    for (const metadata of [null, undefined, '', 'not json', '{"max":"1:1"}', '{"resends":2,"offset":"1"}']) {
      expect(decodePositions(metadata, '1'), String(metadata)).toEqual(NO_POSITIONS);
    }
  });

  it('keeps the latest ids at the highest position, within Kafka’s 4096-byte metadata limit', () => {
    const atMax = Array.from({ length: 1_000 }, (_, i) => changeId(i));
    const metadata = encodePositions('9223372036854775807', { max: MAX, atMax })!;
    expect(metadata.length).toBeLessThan(4_096);
    expect(decodePositions(metadata, '9223372036854775807').atMax).toEqual(atMax.slice(-MAX_IDS_IN_METADATA));
    // Ids of another decoder may be longer: fewer are kept rather than a commit the broker refuses.
    const long = Array.from({ length: 64 }, (_, i) => `custom:${'x'.repeat(100)}${i}`);
    const fewer = encodePositions('1', { max: MAX, atMax: long })!;
    expect(fewer.length).toBeLessThan(4_096);
    expect(decodePositions(fewer, '1').atMax).toEqual(long.slice(-decodePositions(fewer, '1').atMax.length));
    expect(decodePositions(fewer, '1').atMax.at(-1)).toBe(long.at(-1));
  });
});
