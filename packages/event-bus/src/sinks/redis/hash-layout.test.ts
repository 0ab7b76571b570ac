import { describe, expect, it } from 'vitest';
import {
  createCacheKeys,
  defaultCacheKeys,
  groupByTag,
  shardOfKey,
  shardWatermarkKey,
} from './cache-keys.js';
import { fillMarkerKey, parseTimeframeField, recentKey, timeframeField } from './hash-layout.js';

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
    const key = defaultCacheKeys.key('Model', 42);
    expect(defaultCacheKeys.parse(fillMarkerKey(key))).toBeNull();
    expect(defaultCacheKeys.parse(recentKey(key))).toBeNull();
    expect(defaultCacheKeys.parse('metrics:Model:42')).toBeNull();
    expect(defaultCacheKeys.parse(shardWatermarkKey('eventbus:cache:watermarks', 3))).toBeNull();
  });

  it('keeps a hash, its marker, its recent list and its shard watermark hash under one hash tag', () => {
    const keys = createCacheKeys(16);
    const key = keys.key('Image', 7);
    const shard = keys.shardOf('Image', 7);
    expect(key).toBe(`metrics:{s${shard}}:Image:7`);
    for (const k of [key, fillMarkerKey(key), recentKey(key), shardWatermarkKey('wm:prod', shard)]) {
      expect(shardOfKey(k)).toBe(shard);
    }
    // Stable (a fixed hash, not the runtime's) and spread: 1,000 entities use every one of 16 shards.
    expect(createCacheKeys(16).shardOf('Image', 7)).toBe(shard);
    const used = new Set(Array.from({ length: 1000 }, (_, i) => keys.shardOf('Image', i)));
    expect(used.size).toBe(16);
    expect(groupByTag([keys.key('Image', 1), 'x', keys.key('Image', 1)], (k) => k)).toHaveLength(2);
    expect(() => createCacheKeys(0)).toThrow(RangeError);
  });
});
