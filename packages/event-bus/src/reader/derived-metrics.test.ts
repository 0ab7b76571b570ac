import { describe, expect, it } from 'vitest';
import { defaultAverages, metricValue, storedMetricTypes } from './derived-metrics.js';

describe('averages computed at read time', () => {
  it('reads rating from ratingSum and ratingCount', () => {
    expect(storedMetricTypes(['rating', 'ratingCount', 'downloadCount'], defaultAverages)).toEqual([
      'ratingSum',
      'ratingCount',
      'downloadCount',
    ]);
    const stored: Record<string, number> = { ratingSum: 14, ratingCount: 4, downloadCount: 7 };
    expect(metricValue('rating', (m) => stored[m]!, defaultAverages)).toBe(3.5);
    expect(metricValue('downloadCount', (m) => stored[m]!, defaultAverages)).toBe(7);
    expect(metricValue('rating', () => 0, defaultAverages)).toBe(0);
  });
});
