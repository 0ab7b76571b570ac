import { fakeEvent, netTotals, runListener } from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT, worldLookups } from '../__fixtures__/app-world.js';
import { expectCreateAndDelete } from '../__fixtures__/expect-moves.js';
import { reviewRow } from '../__fixtures__/source-rows.js';
import { userEngagements } from './user-engagements.listener.js';
import { userReactions } from './user-reactions.listener.js';
import { userReviews } from './user-reviews.listener.js';
import { userUploads } from './user-uploads.listener.js';

const engagements = fakeEvent.postgres('UserEngagement');
const follow = { userId: 3, targetUserId: 5, type: 'Follow', createdAt: CREATED_AT };

describe('user.engagements (followingCount, followerCount, hiddenCount)', () => {
  it('a follow counts for both users; its delete takes both back', async () => {
    await expectCreateAndDelete(userEngagements, engagements, follow, {
      'User:3:followingCount': 1,
      'User:5:followerCount': 1,
    });
  });

  it('a hide counts for the hidden user; a block for nobody', async () => {
    const hide = { ...follow, type: 'Hide' };
    await expectCreateAndDelete(userEngagements, engagements, hide, { 'User:5:hiddenCount': 1 });
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

  it('counts a reaction for the owner of the image, not the reactor; delete takes it back', async () => {
    await expectCreateAndDelete(userReactions, reactions, like, { 'User:4:reactionCount': 1 });
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
  const version = { id: 30, modelId: 20, name: 'v1', status: 'Published', createdAt: CREATED_AT };

  it('a published version counts for the model owner; its delete takes it back', async () => {
    await expectCreateAndDelete(userUploads, versions, version, { 'User:2:uploadCount': 1 });
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

  it('counts a review for its author; delete takes it back', async () => {
    await expectCreateAndDelete(userReviews, reviews, review, { 'User:3:reviewCount': 1 });
  });

  it('excluding a review (update) takes it back; editing its rating moves nothing', async () => {
    const excluded = reviews.updated(review, { ...review, exclude: true });
    expect(netTotals(await runListener(userReviews, excluded))).toEqual({ 'User:3:reviewCount': -1 });
    expect(await runListener(userReviews, reviews.updated(review, { ...review, rating: 2 }))).toEqual([]);
  });
});
