import { describe, expect, it } from 'vitest';
import { memoryLookup } from './memory-lookup.js';
import { findRelated, requireRelated } from './require-related.js';

describe('requireRelated', () => {
  it('answers from the database (or memory)', async () => {
    const images = memoryLookup('image', [[7, { postId: 70, userId: 1 }]]);
    expect(await requireRelated(images, 7, 'Image')).toEqual({ postId: 70, userId: 1 });
  });

  it('waits for a deleted parent whose own change arrives on another partition meanwhile', async () => {
    const images = memoryLookup('image', [], { rememberWaitMs: 5_000 });
    const pending = requireRelated(images, 500, 'Image');
    setTimeout(() => images.remember(500, { postId: 80, userId: 6 }), 10);
    expect(await pending).toEqual({ postId: 80, userId: 6 });
  });

  it('fails with a retriable ML_RELATED_ROW_MISSING when the parent never shows up', async () => {
    const images = memoryLookup('image', [], { rememberWaitMs: 10 });
    await expect(requireRelated(images, 500, 'Image')).rejects.toMatchObject({
      code: 'ML_RELATED_ROW_MISSING',
      retriable: true,
    });
    expect(await findRelated(images, 500)).toBeUndefined();
  });
});
