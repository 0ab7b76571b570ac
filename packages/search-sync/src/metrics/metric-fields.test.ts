import { describe, expect, it } from 'vitest';
import { metricFieldNames, metricFields } from './metric-fields.js';

const timeframes = ['day', 'week', 'all'] as const;

describe('metricFields', () => {
  it('names one flat field per metric and timeframe, and derives rating from its sum and count', () => {
    const fields = metricFields(
      {
        entityId: 1,
        totals: {
          likeCount: { day: 1, week: 3, all: 9 },
          ratingSum: { day: 0, week: 9, all: 20 },
          ratingCount: { day: 0, week: 2, all: 5 },
        },
      } as never,
      { timeframes },
    );
    expect(fields).toEqual({
      likeCountDay: 1,
      likeCountWeek: 3,
      likeCountAllTime: 9,
      ratingSumDay: 0,
      ratingSumWeek: 9,
      ratingSumAllTime: 20,
      ratingCountDay: 0,
      ratingCountWeek: 2,
      ratingCountAllTime: 5,
      ratingDay: 0,
      ratingWeek: 4.5,
      ratingAllTime: 4,
    });
  });

  it('lists the same names for settings, rating included only when both parts are sent', () => {
    expect(metricFieldNames(['likeCount'], { timeframes: ['all'] })).toEqual(['likeCountAllTime']);
    expect(metricFieldNames(['ratingSum', 'ratingCount'], { timeframes: ['week'] })).toEqual([
      'ratingSumWeek',
      'ratingCountWeek',
      'ratingWeek',
    ]);
  });
});
