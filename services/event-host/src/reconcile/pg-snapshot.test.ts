import { describe, expect, it } from 'vitest';
import { fullXidBefore, isVisible, parsePgSnapshot } from './pg-snapshot.js';

const EPOCH = 1n << 32n;

describe('pg snapshot visibility of 32-bit source xids', () => {
  it('parses pg_current_snapshot() text and refuses anything else', () => {
    expect(parsePgSnapshot('749:753:750,752')).toEqual({
      text: '749:753:750,752',
      xmin: 749n,
      xmax: 753n,
      xip: [750n, 752n],
    });
    expect(parsePgSnapshot('749:749:').xip).toEqual([]);
    expect(() => parsePgSnapshot('749:753')).toThrow(TypeError);
    expect(() => parsePgSnapshot('760:753:')).toThrow('inconsistent');
  });

  it('sees transactions before xmax except those in progress, and none at or after xmax', () => {
    const s = parsePgSnapshot('749:753:750,752');
    expect([748, 749, 750, 751, 752, 753, 754].map((x) => isVisible(s, x))).toEqual([
      true,
      true,
      false,
      true,
      false,
      false,
      false,
    ]);
  });

  it('places a 32-bit xid in the epoch next to the snapshot, across a wraparound', () => {
    // xmax just after the epoch turned: xid 4294967290 of the previous epoch is 10 transactions older.
    const s = parsePgSnapshot(`${EPOCH - 3n}:${EPOCH + 4n}:${EPOCH + 1n}`);
    expect(fullXidBefore(s, 4294967290)).toBe(EPOCH - 6n);
    expect(isVisible(s, 4294967290)).toBe(true);
    expect(isVisible(s, 0)).toBe(true); // EPOCH + 0: before xmax, not in progress
    expect(isVisible(s, 1)).toBe(false); // EPOCH + 1: in progress
    expect(isVisible(s, 4)).toBe(false); // EPOCH + 4 = xmax
    // Up to 2^31 behind xmax is the past; up to 2^31 − 1 ahead is the future.
    const behind = EPOCH + 4n - (1n << 31n);
    expect(fullXidBefore(s, Number(behind % EPOCH))).toBe(behind);
    expect(fullXidBefore(s, Number((EPOCH + 4n + (1n << 31n) - 1n) % EPOCH))).toBeNull();
  });
});
