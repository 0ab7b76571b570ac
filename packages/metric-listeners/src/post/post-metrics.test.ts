import {
  expectRowLifecycle,
  fakeEvent,
  netTotals,
  runListener,
  runListenerOutput,
} from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT, worldLookups } from '../__fixtures__/app-world.js';
import { collectionItemRow, commentRow, REACTION_METRICS } from '../__fixtures__/source-rows.js';
import { postCollections } from './post-collections.listener.js';
import { postComments } from './post-comments.listener.js';
import { postImageMoves } from './post-image-moves.listener.js';
import { postReactions } from './post-reactions.listener.js';

const reactions = fakeEvent.postgres('ImageReaction');
const like = { id: 1, imageId: 7, userId: 3, reaction: 'Like', createdAt: CREATED_AT };

// post.reactions and post.image-moves have no expectRowLifecycle test: a removal or an image's move touches
// the post, whose counts the host recomputes from the source, so their events alone never net back to zero.
describe('post.reactions (likeCount, dislikeCount, laughCount, cryCount, heartCount)', () => {
  const output = async (change: Parameters<typeof runListenerOutput>[1]) => {
    const out = await runListenerOutput(postReactions, change, { images: worldLookups().images });
    return {
      moved: netTotals(out.metrics),
      touched: out.touches.map((t) => `${t.entityType}:${t.entityId}:${t.metrics?.length}`),
    };
  };

  it.each(REACTION_METRICS)(
    'a %s on an image of the post counts as %s; its delete touches the post instead of taking it back',
    async (reaction, metric) => {
      const row = { ...like, reaction };
      expect(await output(reactions.created(row))).toEqual({
        moved: { [`Post:70:${metric}`]: 1 },
        touched: [],
      });
      // The image may have moved since the reaction was counted: only a recompute knows which post had it.
      expect(await output(reactions.deleted(row))).toEqual({ moved: {}, touched: ['Post:70:5'] });
    },
  );

  it('a kind change adds the new kind and touches the post for the old one', async () => {
    expect(await output(reactions.updated(like, { ...like, reaction: 'Laugh' }))).toEqual({
      moved: { 'Post:70:laughCount': 1 },
      touched: ['Post:70:5'],
    });
  });

  it('an image not in a post moves no post; an unknown image is a retriable error', async () => {
    const { images } = worldLookups();
    expect(await runListener(postReactions, reactions.created({ ...like, imageId: 8 }), { images })).toEqual(
      [],
    );
    await expect(
      runListener(postReactions, reactions.created({ ...like, imageId: 999 }), { images }),
    ).rejects.toMatchObject({ code: 'ML_RELATED_ROW_MISSING' });
  });
});

describe('post.comments (commentCount)', () => {
  const comments = fakeEvent.postgres('CommentV2');
  const comment = commentRow(101);

  it('counts a comment on the post thread through its life, and follows it to another post', async () => {
    await expectRowLifecycle({
      listeners: postComments,
      changes: comments,
      row: comment,
      counts: { 'Post:70:commentCount': 1 },
      unchanged: { content: 'edited', updatedAt: CREATED_AT + 60_000 },
      // Thread 106 is post 71's.
      move: { column: 'threadId', to: 106, entityType: 'Post', entityIds: { from: 70, to: 71 } },
      deps: worldLookups(),
    });
  });

  it('moderation takes a comment back', async () => {
    const { threads } = worldLookups();
    const flagged = comments.updated(comment, { ...comment, tosViolation: true });
    expect(netTotals(await runListener(postComments, flagged, { threads }))).toEqual({
      'Post:70:commentCount': -1,
    });
  });

  it('reply threads count for no post', async () => {
    const { threads } = worldLookups();
    expect(
      await runListener(postComments, comments.created({ ...comment, threadId: 104 }), { threads }),
    ).toEqual([]);
  });
});

describe('post.collections (collectedCount)', () => {
  const items = fakeEvent.postgres('CollectionItem');
  const item = collectionItemRow(42, { postId: 70 });

  it('counts the post in a (contest) collection through its life, and follows the item to another post', async () => {
    await expectRowLifecycle({
      listeners: postCollections,
      changes: items,
      row: item,
      counts: { 'Post:70:collectedCount': 1 },
      unchanged: { note: 'entry', updatedAt: CREATED_AT + 60_000 },
      move: { column: 'postId', to: 71, entityType: 'Post' },
      deps: worldLookups(),
    });
  });
});

describe('post.image-moves (reaction counts, recomputed)', () => {
  const images = fakeEvent.postgres('Image');
  const image = { id: 7, userId: 1, postId: 70, nsfwLevel: 0, createdAt: CREATED_AT };
  const touched = async (change: Parameters<typeof runListenerOutput>[1]) => {
    const out = await runListenerOutput(postImageMoves, change);
    expect(out.metrics).toEqual([]);
    return out.touches.map((t) => `${t.entityType}:${t.entityId}:${t.metrics?.length}`);
  };

  it('an image moved to another post touches both posts, for the five reaction counts', async () => {
    expect(await touched(images.updated(image, { ...image, postId: 71 }))).toEqual([
      'Post:70:5',
      'Post:71:5',
    ]);
  });

  it('attaching an unposted image touches its new post; detaching touches the old', async () => {
    expect(await touched(images.updated({ ...image, postId: null }, image))).toEqual(['Post:70:5']);
    expect(await touched(images.updated(image, { ...image, postId: null }))).toEqual(['Post:70:5']);
  });

  it('an update that leaves the post alone touches nothing', async () => {
    expect(await touched(images.updated(image, { ...image, nsfwLevel: 3 }))).toEqual([]);
  });
});
