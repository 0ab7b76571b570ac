import { describe, expect, it, vi } from 'vitest';
import { memoryLookup } from './memory-lookup.js';
import { requireRelated } from './require-related.js';

/**
 * `work`'s result, with the timers a wait would use faked: a call that waited for one would never settle
 * (the test times out), and none may be left set. Not a timed check, which a busy machine fails.
 */
async function withoutWaiting<T>(work: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
  try {
    return await work();
  } finally {
    expect(vi.getTimerCount()).toBe(0);
    vi.useRealTimers();
  }
}

describe('requireRelated', () => {
  it('answers a live row', async () => {
    const images = memoryLookup('image', [[7, { postId: 70, userId: 1 }]]);
    expect(await requireRelated(images, 7, 'Image')).toEqual({ postId: 70, userId: 1 });
  });

  it('answers a row deleted with its children from the archive, at once', async () => {
    const images = memoryLookup('image', [], { archived: [[500, { postId: 80, userId: 6 }]] });
    expect(await withoutWaiting(() => requireRelated(images, 500, 'Image'))).toEqual({
      postId: 80,
      userId: 6,
    });
    expect(images.stats.archived).toBe(1);
  });

  it('fails with a non-retriable ML_RELATED_ROW_MISSING when the row is in neither, without waiting', async () => {
    const images = memoryLookup('image', [[7, { postId: 70, userId: 1 }]]);
    await expect(withoutWaiting(() => requireRelated(images, 500, 'Image'))).rejects.toMatchObject({
      code: 'ML_RELATED_ROW_MISSING',
      retriable: false,
      message: expect.stringContaining('Image 500'),
    });
  });
});
