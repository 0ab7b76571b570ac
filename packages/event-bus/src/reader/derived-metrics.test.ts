import { describe, expect, it } from 'vitest';
import { averageOf, defaultAverages, storedMetricTypes } from './derived-metrics.js';

describe('averages computed at read time', () => {
  it('reads rating from ratingSum and ratingCount', () => {
    expect(storedMetricTypes(['rating', 'ratingCount', 'downloadCount'], defaultAverages)).toEqual([
      'ratingSum',
      'ratingCount',
      'downloadCount',
    ]);
    expect(averageOf(14, 4)).toBe(3.5);
    expect(averageOf(0, 0)).toBe(0);
  });

  it('takes only the definitions’ own names as averages, not what every object inherits', () => {
    expect(storedMetricTypes(['constructor', 'toString'], defaultAverages)).toEqual([
      'constructor',
      'toString',
    ]);
  });
});
