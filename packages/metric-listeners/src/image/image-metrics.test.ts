import { expectRowLifecycle, fakeEvent, netTotals, runListener } from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT, worldLookups } from '../__fixtures__/app-world.js';
import { expectTipCounted } from '../__fixtures__/expect-tips-and-reactions.js';
import { collectionItemRow, commentRow, tipRow } from '../__fixtures__/source-rows.js';
import { imageCollections } from './image-collections.listener.js';
import { imageComments } from './image-comments.listener.js';
import { imageTips } from './image-tips.listener.js';

const comments = fakeEvent.postgres('CommentV2');
const items = fakeEvent.postgres('CollectionItem');
const tips = fakeEvent.postgres('BuzzTip');

const comment = commentRow(100);
const item = collectionItemRow(40, { imageId: 7 });
const tip = tipRow('Image', 7, 50);

describe('image.comments (commentCount)', () => {
  it('counts a comment on the image thread through its life, and follows it to another image', async () => {
    await expectRowLifecycle({
      listeners: imageComments,
      changes: comments,
      row: comment,
      counts: { 'Image:7:commentCount': 1 },
      unchanged: { content: 'edited', updatedAt: CREATED_AT + 60_000 },
      // Thread 105 is image 9's.
      move: { column: 'threadId', to: 105, entityType: 'Image', entityIds: { from: 7, to: 9 } },
      deps: worldLookups(),
    });
  });

  it('hiding a comment (update) takes it back; comments on other threads count nothing here', async () => {
    const { threads } = worldLookups();
    const hidden = comments.updated(comment, { ...comment, hidden: true });
    expect(netTotals(await runListener(imageComments, hidden, { threads }))).toEqual({
      'Image:7:commentCount': -1,
    });
    const onPost = comments.created({ ...comment, threadId: 101 });
    expect(await runListener(imageComments, onPost, { threads })).toEqual([]);
  });

  it("a comment deleted with its thread (a cascade) is taken back from the archived thread's image", async () => {
    const { threads } = worldLookups();
    const gone = comments.deleted({ ...comment, threadId: 900 });
    expect(netTotals(await runListener(imageComments, gone, { threads }))).toEqual({
      'Image:500:commentCount': -1,
    });
  });

  it('a comment whose thread is neither live nor archived is an error, not a silent zero', async () => {
    const { threads } = worldLookups();
    await expect(
      runListener(imageComments, comments.deleted({ ...comment, threadId: 999 }), { threads }),
    ).rejects.toMatchObject({ code: 'ML_RELATED_ROW_MISSING' });
  });
});

describe('image.collections (collectedCount)', () => {
  it('counts an item in an ordinary collection through its life, and follows it to another image', async () => {
    await expectRowLifecycle({
      listeners: imageCollections,
      changes: items,
      row: item,
      counts: { 'Image:7:collectedCount': 1 },
      unchanged: { note: 'nice', updatedAt: CREATED_AT + 60_000 },
      move: { column: 'imageId', to: 8, entityType: 'Image' },
      deps: worldLookups(),
    });
  });

  it('counts nothing for a bookmarked image or an item that is not an image', async () => {
    const { collections } = worldLookups();
    const bookmarked = items.created({ ...item, collectionId: 41 });
    expect(await runListener(imageCollections, bookmarked, { collections })).toEqual([]);
    const model = items.created({ ...item, imageId: null, modelId: 20 });
    expect(await runListener(imageCollections, model, { collections })).toEqual([]);
  });
});

describe('image.tips (tippedCount, tippedAmountCount)', () => {
  it('adds one tip and its amount on create, follows it to another image, subtracts both on delete', async () => {
    await expectTipCounted(imageTips, 'Image', 7, 50);
  });

  it('ignores tips on other entity types and tips to a user only', async () => {
    expect(await runListener(imageTips, tips.created({ ...tip, entityType: 'Article' }))).toEqual([]);
    expect(await runListener(imageTips, tips.created({ ...tip, entityId: null }))).toEqual([]);
  });
});
