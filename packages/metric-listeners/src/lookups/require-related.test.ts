import { describe, expect, it } from 'vitest';
import { memoryLookup } from './memory-lookup.js';
import { requireRelated } from './require-related.js';

describe('requireRelated', () => {
  it('answers a live row', async () => {
    const images = memoryLookup('image', [[7, { postId: 70, userId: 1 }]]);
    expect(await requireRelated(images, 7, 'Image')).toEqual({ postId: 70, userId: 1 });
  });

  it('answers a row deleted with its children from the archive, at once', async () => {
    const images = memoryLookup('image', [], { archived: [[500, { postId: 80, userId: 6 }]] });
    const started = performance.now();
    expect(await requireRelated(images, 500, 'Image')).toEqual({ postId: 80, userId: 6 });
    expect(performance.now() - started).toBeLessThan(50);
    expect(images.stats.archived).toBe(1);
  });

  it('fails with a non-retriable ML_RELATED_ROW_MISSING when the row is in neither, without waiting', async () => {
    const images = memoryLookup('image', [[7, { postId: 70, userId: 1 }]]);
    const started = performance.now();
    await expect(requireRelated(images, 500, 'Image')).rejects.toMatchObject({
      code: 'ML_RELATED_ROW_MISSING',
      retriable: false,
      message: expect.stringContaining('Image 500'),
    });
    expect(performance.now() - started).toBeLessThan(50);
  });
});
