import type { EntityMetricEvent } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { InMemoryMetricCache } from './in-memory-metric-cache.js';

const DAY = 86_400_000;
const at = Date.UTC(2026, 0, 20);
let seq = 0;

/** A like of image 7 created at `createdMs`, each at the next position of one origin. */
const like = (createdMs: number, metricValue = 1): EntityMetricEvent => ({
  eventId: `e${seq}`,
  entityType: 'Image',
  entityId: 7,
  userId: 0,
  metricType: 'likeCount',
  metricValue,
  createdAt: new Date(createdMs),
  origin: 'app.public.ImageReaction:0',
  originSeq: seq++,
});

describe('InMemoryMetricCache and windowed fields, as the increment script applies them', () => {
  it('adds an event to a window that holds its createdAt, measured back from the fill time ~at', async () => {
    const cache = new InMemoryMetricCache();
    cache.fill('Post', 1, { bookmarkCount: 10, 'bookmarkCount:week': 2, '~at': at });
    await cache.apply([{ ...like(at - 1000), entityType: 'Post', entityId: 1, metricType: 'bookmarkCount' }]);
    expect(cache.get('Post', 1, 'bookmarkCount')).toBe(11);
    expect(cache.get('Post', 1, 'bookmarkCount:week')).toBe(3);
  });

  it('leaves a window alone for an event created before it (the redis sink test’s case)', async () => {
    const cache = new InMemoryMetricCache();
    cache.fill('Image', 7, { likeCount: 10, 'likeCount:day': 2, 'likeCount:week': 4, '~at': at });
    await cache.apply([like(at - 10 * DAY), like(at - 3 * DAY, -1), like(at + 1000)]);
    expect(['likeCount', 'likeCount:day', 'likeCount:week'].map((f) => cache.get('Image', 7, f))).toEqual([
      11, 3, 4,
    ]);
    expect(cache.signals).toEqual([{ key: expect.stringContaining('Image:7'), changes: { likeCount: 1 } }]);
  });

  it("counts an event at a window's first millisecond, and not one a millisecond before", async () => {
    const cache = new InMemoryMetricCache();
    cache.fill('Image', 7, { 'likeCount:day': 0, '~at': at });
    await cache.apply([like(at - DAY), like(at - DAY - 1)]);
    expect(cache.get('Image', 7, 'likeCount:day')).toBe(1);
    // Only windowed fields are cached: the bare one stays absent, and the hash counts as updated.
    expect(cache.get('Image', 7, 'likeCount')).toBeUndefined();
    expect(cache.signals).toHaveLength(1);
  });

  it('leaves windowed fields alone in a hash without a fill time, as the script does', async () => {
    const cache = new InMemoryMetricCache();
    cache.fill('Image', 7, { likeCount: 10, 'likeCount:week': 2 });
    await cache.apply([like(at)]);
    expect(cache.get('Image', 7, 'likeCount')).toBe(11);
    expect(cache.get('Image', 7, 'likeCount:week')).toBe(2);
  });
});
