import { describe, expect, it } from 'vitest';
import { changesPerSecond } from './rates.js';

describe('changesPerSecond', () => {
  const points = [
    { t: 0, total: 0 },
    { t: 1_000, total: 100 },
    { t: 2_000, total: 100 },
    { t: 3_000, total: 130 },
    { t: 4_000, total: 190 },
  ];

  it('is the growth between the newest point and the oldest one in the window', () => {
    expect(changesPerSecond(points, 2)).toBe(45); // (190 - 100) / 2 s
    expect(changesPerSecond(points, 10)).toBe(47.5); // all four seconds
    expect(changesPerSecond(points.slice(0, 3), 10)).toBe(50);
  });

  it('uses the point just before the newest when the window holds only the newest', () => {
    expect(changesPerSecond(points, 0.5)).toBe(60);
  });

  it('is 0 without two points, and after a reset of the total', () => {
    expect(changesPerSecond([], 10)).toBe(0);
    expect(changesPerSecond([{ t: 5, total: 9 }], 10)).toBe(0);
    expect(changesPerSecond([...points, { t: 5_000, total: 3 }], 2)).toBe(0);
  });

  it('rounds to 0.1 and tolerates uneven sample spacing', () => {
    expect(
      changesPerSecond(
        [
          { t: 0, total: 0 },
          { t: 3_000, total: 10 },
        ],
        10,
      ),
    ).toBe(3.3);
    expect(
      changesPerSecond(
        [
          { t: 0, total: 0 },
          { t: 900, total: 50 },
          { t: 2_100, total: 110 },
        ],
        10,
      ),
    ).toBe(52.4);
  });
});
