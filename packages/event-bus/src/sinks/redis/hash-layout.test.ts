import { describe, expect, it } from 'vitest';
import { defaultCacheKeys } from './cache-keys.js';
import { parseTimeframeField, timeframeField } from './hash-layout.js';

describe('cached hash layout', () => {
  it('names windowed fields and parses them back; bookkeeping fields are not metrics', () => {
    expect(timeframeField('likeCount', 'all')).toBe('likeCount');
    expect(timeframeField('likeCount', 'week')).toBe('likeCount:week');
    expect(parseTimeframeField('likeCount:week')).toEqual({ field: 'likeCount', timeframe: 'week' });
    expect(parseTimeframeField('likeCount')).toEqual({ field: 'likeCount', timeframe: 'all' });
    expect(parseTimeframeField('odd:name')).toEqual({ field: 'odd:name', timeframe: 'all' });
    expect(parseTimeframeField('~at')).toBeNull();
    expect(parseTimeframeField('~hw:app.public.Image:0')).toBeNull();
  });

  it('parses metric hash keys and rejects the fill bookkeeping keys beside them', () => {
    expect(defaultCacheKeys.parse(defaultCacheKeys.key('Model', 42))).toEqual({
      entityType: 'Model',
      entityId: 42,
    });
    expect(defaultCacheKeys.parse('metrics:Model:42:fill')).toBeNull();
    expect(defaultCacheKeys.parse('metrics:Model:42:recent')).toBeNull();
    expect(defaultCacheKeys.parse('eventbus:cache:watermarks')).toBeNull();
  });
});
