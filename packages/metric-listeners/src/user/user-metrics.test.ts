import { expectRowLifecycle, fakeEvent, netTotals, runListener } from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT, worldLookups } from '../__fixtures__/app-world.js';
import { reviewRow } from '../__fixtures__/source-rows.js';
import { userEngagements } from './user-engagements.listener.js';
import { userReactions } from './user-reactions.listener.js';
import { userReviews } from './user-reviews.listener.js';
import { userUploads } from './user-uploads.listener.js';

const engagements = fakeEvent.postgres('UserEngagement');
const follow = { userId: 3, targetUserId: 5, type: 'Follow', createdAt: CREATED_AT };

describe('user.engagements (followingCount, followerCount, hiddenCount)', () => {
  it.each([
    ['the follower', { column: 'userId', to: 4, entityType: 'User' }],
    ['the followed', { column: 'targetUserId', to: 6, entityType: 'User' }],
  ])('a follow counts for both users through its life, and follows a move of %s', async (_, move) => {
    await expectRowLifecycle({
      listeners: userEngagements,
      changes: engagements,
      row: follow,
      counts: { 'User:3:followingCount': 1, 'User:5:followerCount': 1 },
      move,
    });
  });

  it('a hide counts for the hidden user through its life, and follows a move to another', async () => {
    await expectRowLifecycle({
      listeners: userEngagements,
      changes: engagements,
      row: { ...follow, type: 'Hide' },
      counts: { 'User:5:hiddenCount': 1 },
      move: { column: 'targetUserId', to: 6, entityType: 'User' },
    });
  });

  it('a block counts for nobody', async () => {
    expect(await runListener(userEngagements, engagements.created({ ...follow, type: 'Block' }))).toEqual([]);
  });

  it('an engagement changing kind (Follow → Hide) moves the difference', async () => {
    const out = await runListener(userEngagements, engagements.updated(follow, { ...follow, type: 'Hide' }));
    expect(netTotals(out)).toEqual({
      'User:3:followingCount': -1,
      'User:5:followerCount': -1,
      'User:5:hiddenCount': 1,
    });
  });
});

describe('user.reactions (reactionCount of the image owner)', () => {
  const reactions = fakeEvent.postgres('ImageReaction');
  const like = { id: 1, imageId: 9, userId: 3, reaction: 'Like', createdAt: CREATED_AT };

  it('counts a reaction for the owner of the image, not the reactor, through its life', async () => {
    await expectRowLifecycle({
      listeners: userReactions,
      changes: reactions,
      row: like,
      counts: { 'User:4:reactionCount': 1 },
      // Image 9 is user 4's, image 7 user 1's.
      move: { column: 'imageId', to: 7, entityType: 'User', entityIds: { from: 4, to: 1 } },
      deps: worldLookups(),
    });
  });

  it('a kind change moves nothing; a reaction moved to another image moves to its owner', async () => {
    const { images } = worldLookups();
    const changed = reactions.updated(like, { ...like, reaction: 'Cry' });
    expect(await runListener(userReactions, changed, { images })).toEqual([]);
    const moved = reactions.updated(like, { ...like, imageId: 7 });
    expect(netTotals(await runListener(userReactions, moved, { images }))).toEqual({
      'User:4:reactionCount': -1,
      'User:1:reactionCount': 1,
    });
  });
});

describe('user.uploads (uploadCount)', () => {
  const versions = fakeEvent.postgres('ModelVersion');
  const version = {
    id: 30,
    modelId: 20,
    name: 'v1',
    description: null,
    status: 'Published',
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    publishedAt: CREATED_AT,
  };

  it('a published version counts for the model owner through its life', async () => {
    await expectRowLifecycle({
      listeners: userUploads,
      changes: versions,
      row: version,
      counts: { 'User:2:uploadCount': 1 },
      unchanged: { name: 'v1.1', description: 'fixes', updatedAt: CREATED_AT + 60_000 },
      // Model 20 is user 2's, model 21 user 4's.
      move: { column: 'modelId', to: 21, entityType: 'User', entityIds: { from: 2, to: 4 } },
      deps: worldLookups(),
    });
  });

  it('drafts count nothing; publishing (update) adds, unpublishing takes back', async () => {
    const { models } = worldLookups();
    const draft = { ...version, status: 'Draft' };
    expect(await runListener(userUploads, versions.created(draft), { models })).toEqual([]);
    expect(netTotals(await runListener(userUploads, versions.updated(draft, version), { models }))).toEqual({
      'User:2:uploadCount': 1,
    });
    const unpublished = { ...version, status: 'Unpublished' };
    expect(
      netTotals(await runListener(userUploads, versions.updated(version, unpublished), { models })),
    ).toEqual({
      'User:2:uploadCount': -1,
    });
  });
});

describe('user.reviews (reviewCount)', () => {
  const reviews = fakeEvent.postgres('ResourceReview');
  const review = reviewRow(5);

  it('counts a review for its author through its life, and follows it to another author', async () => {
    await expectRowLifecycle({
      listeners: userReviews,
      changes: reviews,
      row: review,
      counts: { 'User:3:reviewCount': 1 },
      // A rating is not counted here.
      unchanged: { rating: 2, details: 'changed my mind', updatedAt: CREATED_AT + 60_000 },
      move: { column: 'userId', to: 4, entityType: 'User' },
    });
  });

  it('excluding a review (update) takes it back; editing its rating moves nothing', async () => {
    const excluded = reviews.updated(review, { ...review, exclude: true });
    expect(netTotals(await runListener(userReviews, excluded))).toEqual({ 'User:3:reviewCount': -1 });
    expect(await runListener(userReviews, reviews.updated(review, { ...review, rating: 2 }))).toEqual([]);
  });
});
