import type { EntityMetricEvent } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { searchIdsByIndex } from './search-ids.js';

const event = (entityType: string, entityId: number): EntityMetricEvent => ({
  eventId: `${entityType}-${entityId}`,
  entityType,
  entityId,
  userId: 0,
  metricType: 'likeCount',
  metricValue: 1,
  createdAt: new Date(0),
  origin: 't:0',
  originSeq: entityId,
});

describe('searchIdsByIndex', () => {
  it('groups ids by the queue their entity type feeds, in event order, repeats kept, unlisted types left out', () => {
    const events = [
      event('Image', 1),
      event('Post', 9),
      event('User', 4),
      event('Image', 2),
      event('Image', 1),
    ];
    const byIndex = searchIdsByIndex(events, { Image: 'images', Post: 'posts' });
    expect([...byIndex]).toEqual([
      ['images', [1, 2, 1]],
      ['posts', [9]],
    ]);
    expect(searchIdsByIndex(events, {}).size).toBe(0);
  });

  it('queues a 200k-event batch completely and exactly', () => {
    // Was quadratic (the list was copied per event): 50k events took 11 s. No timing assertion here; the
    // bench measures the time, this checks that it finishes and that no id is lost or reordered.
    const n = 200_000;
    const events = Array.from({ length: n }, (_, i) =>
      i % 4 === 3 ? event('Post', 1_000_000 + i) : event('Image', i),
    );
    const byIndex = searchIdsByIndex(events, { Image: 'images', Post: 'posts' });
    const expectedImages = events.filter((e) => e.entityType === 'Image').map((e) => e.entityId);
    const expectedPosts = events.filter((e) => e.entityType === 'Post').map((e) => e.entityId);
    expect(byIndex.get('images')).toEqual(expectedImages);
    expect(byIndex.get('posts')).toEqual(expectedPosts);
    expect(expectedImages.length + expectedPosts.length).toBe(n);
  });
});
