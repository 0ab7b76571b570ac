import { expectRowLifecycle, fakeEvent, netTotals, runListener } from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT } from '../__fixtures__/app-world.js';
import { tagArticles, tagImages, tagModels, tagPosts } from './tag-attachments.listeners.js';
import { tagEngagements } from './tag-engagements.listener.js';

// Each table's row, and an edit of the columns that count for nothing (none in TagsOnModels, TagsOnArticle).
describe.each([
  [tagModels, 'TagsOnModels', 'modelCount', { modelId: 20 }, {}],
  [
    tagImages,
    'TagsOnImage',
    'imageCount',
    { imageId: 7, automated: true, confidence: 60, disabled: false, needsReview: false, disabledAt: null },
    { confidence: 95, needsReview: true },
  ],
  [tagPosts, 'TagsOnPost', 'postCount', { postId: 70, confidence: 60, disabled: false }, { confidence: 95 }],
  [tagArticles, 'TagsOnArticle', 'articleCount', { articleId: 50 }, {}],
] as const)('%s', (listener, table, metric, extra, unchanged) => {
  const rows = fakeEvent.postgres(table);
  const row = { tagId: 11, createdAt: CREATED_AT, ...extra };

  it(`counts ${metric} through its life, and follows the row to another tag`, async () => {
    await expectRowLifecycle({
      listeners: listener,
      changes: rows,
      row,
      counts: { [`Tag:11:${metric}`]: 1 },
      unchanged,
      move: { column: 'tagId', to: 12, entityType: 'Tag' },
    });
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

  it.each([
    ['Follow', 'followerCount'],
    ['Hide', 'hiddenCount'],
  ])(
    'a %s counts as %s through its life, and follows the engagement to another tag',
    async (type, metric) => {
      await expectRowLifecycle({
        listeners: tagEngagements,
        changes: engagements,
        row: { ...follow, type },
        counts: { [`Tag:11:${metric}`]: 1 },
        move: { column: 'tagId', to: 12, entityType: 'Tag' },
      });
    },
  );

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
