import {
  expectRowLifecycle,
  fakeEvent,
  netTotals,
  type ParentMove,
  runListener,
  runListenerOutput,
} from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT, worldLookups } from '../__fixtures__/app-world.js';
import { expectTipCounted } from '../__fixtures__/expect-tips-and-reactions.js';
import { collectionItemRow, reviewRow, tipRow } from '../__fixtures__/source-rows.js';
import { modelCollections } from './model-collections.listener.js';
import { modelComments } from './model-comments.listener.js';
import { modelImages } from './model-images.listener.js';
import { modelReviews } from './model-reviews.listener.js';
import { modelTips } from './model-tips.listener.js';

/** Moves of a row naming version `from` of model 20: to the model's other version, or to model 21's version 40. */
const versionMoves = (from: 30 | 31): [string, ParentMove[]][] => [
  [
    'to the other version of its model',
    [{ column: 'modelVersionId', to: from === 30 ? 31 : 30, entityType: 'ModelVersion' }],
  ],
  [
    'to a version of another model',
    [
      { column: 'modelVersionId', to: 40, entityType: 'ModelVersion' },
      { column: 'modelId', to: 21, entityType: 'Model' },
    ],
  ],
];

describe('model.reviews (rating as ratingSum/ratingCount, thumbsUpCount, thumbsDownCount)', () => {
  const reviews = fakeEvent.postgres('ResourceReview');
  const review = reviewRow(4);
  const both = (metrics: Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const [metric, value] of Object.entries(metrics)) {
      out[`ModelVersion:30:${metric}`] = value;
      out[`Model:20:${metric}`] = value;
    }
    return out;
  };

  it('a review adds its rating, one rating and one thumb to the version and the model', async () => {
    expect(netTotals(await runListener(modelReviews, reviews.created(review)))).toEqual(
      both({ ratingSum: 4, ratingCount: 1, thumbsUpCount: 1 }),
    );
  });

  it.each(versionMoves(30))('keeps them through its life, edited and moved %s', async (_, move) => {
    await expectRowLifecycle({
      listeners: modelReviews,
      changes: reviews,
      row: review,
      counts: both({ ratingSum: 4, ratingCount: 1, thumbsUpCount: 1 }),
      unchanged: { details: 'works well', updatedAt: CREATED_AT + 60_000 },
      move,
    });
  });

  it('deleting it takes all of that back', async () => {
    expect(
      netTotals(await runListener(modelReviews, reviews.deleted({ ...review, recommended: false }))),
    ).toEqual(both({ ratingSum: -4, ratingCount: -1, thumbsDownCount: -1 }));
  });

  it('changing the rating moves only the sum; the average stays exact', async () => {
    const out = await runListener(modelReviews, reviews.updated(review, { ...review, rating: 1 }));
    expect(netTotals(out)).toEqual(both({ ratingSum: -3 }));
  });

  it('changing the recommendation moves a thumb from up to down', async () => {
    const out = await runListener(modelReviews, reviews.updated(review, { ...review, recommended: false }));
    expect(netTotals(out)).toEqual(both({ thumbsUpCount: -1, thumbsDownCount: 1 }));
  });

  it('excluding a review takes it out, including it again puts it back', async () => {
    const excluded = { ...review, exclude: true };
    expect(netTotals(await runListener(modelReviews, reviews.updated(review, excluded)))).toEqual(
      both({ ratingSum: -4, ratingCount: -1, thumbsUpCount: -1 }),
    );
    expect(netTotals(await runListener(modelReviews, reviews.updated(excluded, review)))).toEqual(
      both({ ratingSum: 4, ratingCount: 1, thumbsUpCount: 1 }),
    );
  });
});

describe('model.comments (commentCount)', () => {
  const comments = fakeEvent.postgres('Comment');
  const comment = {
    id: 1,
    content: 'nice',
    userId: 3,
    modelId: 20,
    modelVersionId: 31,
    parentId: null,
    locked: false,
    hidden: false,
    tosViolation: false,
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
  };

  it('counts for the model and the version it names; delete takes both back', async () => {
    expect(netTotals(await runListener(modelComments, comments.created(comment)))).toEqual({
      'Model:20:commentCount': 1,
      'ModelVersion:31:commentCount': 1,
    });
    expect(
      netTotals(await runListener(modelComments, comments.deleted({ ...comment, modelVersionId: null }))),
    ).toEqual({
      'Model:20:commentCount': -1,
    });
  });

  it.each(versionMoves(31))('counts for both through its life, edited and moved %s', async (_, move) => {
    await expectRowLifecycle({
      listeners: modelComments,
      changes: comments,
      row: comment,
      counts: { 'Model:20:commentCount': 1, 'ModelVersion:31:commentCount': 1 },
      unchanged: { content: 'edited', locked: true, updatedAt: CREATED_AT + 60_000 },
      move,
    });
  });

  it('a comment naming no version counts for the model through its life, and follows a move', async () => {
    await expectRowLifecycle({
      listeners: modelComments,
      changes: comments,
      row: { ...comment, modelVersionId: null },
      counts: { 'Model:20:commentCount': 1 },
      move: { column: 'modelId', to: 21, entityType: 'Model' },
    });
  });

  it('hiding a comment (update) takes it back', async () => {
    const out = await runListener(modelComments, comments.updated(comment, { ...comment, hidden: true }));
    expect(netTotals(out)).toEqual({ 'Model:20:commentCount': -1, 'ModelVersion:31:commentCount': -1 });
  });
});

describe('model.collections (favoriteCount, collectedCount)', () => {
  const items = fakeEvent.postgres('CollectionItem');
  const item = collectionItemRow(40, { modelId: 20, modelVersionId: 30 });

  it.each(versionMoves(30))(
    'an item in an ordinary collection is collected for the model and version through its life, moved %s',
    async (_, move) => {
      await expectRowLifecycle({
        listeners: modelCollections,
        changes: items,
        row: item,
        counts: { 'Model:20:collectedCount': 1, 'ModelVersion:30:collectedCount': 1 },
        unchanged: { note: 'for later', updatedAt: CREATED_AT + 60_000 },
        move,
        deps: worldLookups(),
      });
    },
  );

  it.each(versionMoves(30))(
    'an item in a Bookmark collection is a favorite of both through its life, moved %s',
    async (_, move) => {
      await expectRowLifecycle({
        listeners: modelCollections,
        changes: items,
        row: { ...item, collectionId: 41 },
        counts: { 'Model:20:favoriteCount': 1, 'ModelVersion:30:favoriteCount': 1 },
        unchanged: { note: 'for later', updatedAt: CREATED_AT + 60_000 },
        move,
        deps: worldLookups(),
      });
    },
  );
});

describe('model.images (imageCount)', () => {
  const resources = fakeEvent.postgres('ImageResource');
  const resource = { imageId: 7, modelVersionId: 31, strength: null, detected: true, createdAt: CREATED_AT };

  // The model's count is recomputed on touches, which expectRowLifecycle does not see: the next test.
  it('an image made with a version counts for it through its life, and follows a move to the other', async () => {
    await expectRowLifecycle({
      listeners: modelImages,
      changes: resources,
      row: resource,
      counts: { 'ModelVersion:31:imageCount': 1 },
      unchanged: { strength: 80 },
      move: { column: 'modelVersionId', to: 30, entityType: 'ModelVersion' },
      deps: worldLookups(),
    });
  });

  it("touches the version's model instead (distinct images: recomputed), on create, delete and a move", async () => {
    const lookups = worldLookups();
    const touched = async (change: Parameters<typeof runListenerOutput>[1]) =>
      (await runListenerOutput(modelImages, change, lookups)).touches;
    const model20 = { entityType: 'Model', entityId: 20, metrics: ['imageCount'] };
    expect(await touched(resources.created(resource))).toEqual([model20]);
    expect(await touched(resources.deleted(resource))).toEqual([model20]);
    // A column that neither names the model nor dates the row touches nothing.
    expect(await touched(resources.updated(resource, { ...resource, detected: false }))).toEqual([]);
  });
});

describe('model.tips (tippedCount, tippedAmountCount)', () => {
  const tips = fakeEvent.postgres('BuzzTip');
  const tip = tipRow('Model', 20, 100);

  it('a tip on the model counts for the model through its life, and follows it to another model', async () => {
    await expectTipCounted(modelTips, 'Model', 20, 100);
  });

  it('a tip on a version counts for the version through its life, and follows a move', async () => {
    await expectTipCounted(modelTips, 'ModelVersion', 30, 5);
  });

  it('a tip on a version counts for that version only', async () => {
    const onVersion = { ...tip, entityType: 'ModelVersion', entityId: 30, amount: 5 };
    expect(netTotals(await runListener(modelTips, tips.created(onVersion)))).toEqual({
      'ModelVersion:30:tippedCount': 1,
      'ModelVersion:30:tippedAmountCount': 5,
    });
    expect(await runListener(modelTips, tips.created({ ...tip, entityType: 'Image' }))).toEqual([]);
  });
});
