import { describe, expect, it } from 'vitest';
import { closest, editDistance } from './closest-name.js';

describe('closest', () => {
  it('finds the table a typo meant', () => {
    expect(closest('CommentsV2', ['Comment', 'CommentV2', 'Image', 'ImageReaction'])).toBe('CommentV2');
    expect(closest('ImageReactions', ['ImageReaction', 'ArticleReaction'])).toBe('ImageReaction');
    expect(closest('imagereaction', ['ImageReaction', 'Image'])).toBe('ImageReaction');
  });

  it('suggests nothing when no name is close', () => {
    expect(closest('Bookmark', ['Comment', 'Image', 'Tip'])).toBeUndefined();
    expect(closest('X', [])).toBeUndefined();
  });

  it('prefers the nearest of several close names', () => {
    expect(closest('Commnt', ['Comments', 'Comment'])).toBe('Comment');
    expect(editDistance('CommentsV2', 'CommentV2')).toBe(1);
  });
});
