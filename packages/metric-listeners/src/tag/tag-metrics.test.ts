import { fakeEvent, netTotals, runListener } from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT } from '../__fixtures__/app-world.js';
import { expectCreateAndDelete } from '../__fixtures__/expect-moves.js';
import { tagArticles, tagImages, tagModels, tagPosts } from './tag-attachments.listeners.js';
import { tagEngagements } from './tag-engagements.listener.js';

describe.each([
  [tagModels, 'TagsOnModels', 'modelCount', { modelId: 20 }],
  [tagImages, 'TagsOnImage', 'imageCount', { imageId: 7, disabled: false }],
  [tagPosts, 'TagsOnPost', 'postCount', { postId: 70, disabled: false }],
  [tagArticles, 'TagsOnArticle', 'articleCount', { articleId: 50 }],
] as const)('%s', (listener, table, metric, extra) => {
  const rows = fakeEvent.postgres(table);
  const row = { tagId: 11, createdAt: CREATED_AT, ...extra };

  it(`counts ${metric} on create, takes it back on delete`, async () => {
    await expectCreateAndDelete(listener, rows, row, { [`Tag:11:${metric}`]: 1 });
  });
});

describe.each([
  [tagImages, 'TagsOnImage', 'imageCount', { imageId: 7 }],
  [tagPosts, 'TagsOnPost', 'postCount', { postId: 70 }],
] as const)('%s with a disabled flag', (listener, table, metric, extra) => {
  const rows = fakeEvent.postgres(table);
  const row = { tagId: 11, createdAt: CREATED_AT, disabled: false, ...extra };

  it('disabling a tag (update) takes it back, enabling it adds it again; disabled rows count nothing', async () => {
    const off = { ...row, disabled: true };
    expect(netTotals(await runListener(listener, rows.updated(row, off)))).toEqual({
      [`Tag:11:${metric}`]: -1,
    });
    expect(netTotals(await runListener(listener, rows.updated(off, row)))).toEqual({
      [`Tag:11:${metric}`]: 1,
    });
    expect(await runListener(listener, rows.created(off))).toEqual([]);
    expect(await runListener(listener, rows.deleted(off))).toEqual([]);
  });
});

describe('tag.engagements (hiddenCount, followerCount)', () => {
  const engagements = fakeEvent.postgres('TagEngagement');
  const follow = { userId: 3, tagId: 11, type: 'Follow', createdAt: CREATED_AT };

  it('Follow counts a follower and Hide a hider; delete takes back; Allow counts nothing', async () => {
    expect(netTotals(await runListener(tagEngagements, engagements.created(follow)))).toEqual({
      'Tag:11:followerCount': 1,
    });
    const hide = { ...follow, type: 'Hide' };
    expect(netTotals(await runListener(tagEngagements, engagements.deleted(hide)))).toEqual({
      'Tag:11:hiddenCount': -1,
    });
    expect(await runListener(tagEngagements, engagements.created({ ...follow, type: 'Allow' }))).toEqual([]);
  });

  it('changing kind (update) moves the difference', async () => {
    const out = await runListener(tagEngagements, engagements.updated(follow, { ...follow, type: 'Hide' }));
    expect(netTotals(out)).toEqual({ 'Tag:11:followerCount': -1, 'Tag:11:hiddenCount': 1 });
  });
});
