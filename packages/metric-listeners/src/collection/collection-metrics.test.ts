import { expectRowLifecycle, fakeEvent, netTotals, runListener } from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT, worldLookups } from '../__fixtures__/app-world.js';
import { collectionItemRow } from '../__fixtures__/source-rows.js';
import { modelCollections } from '../model/model-collections.listener.js';
import { collectionContributors } from './collection-contributors.listener.js';
import { collectionItems } from './collection-items.listener.js';

describe('collection.items (itemCount)', () => {
  const items = fakeEvent.postgres('CollectionItem');
  const item = { ...collectionItemRow(41, { imageId: 7 }), addedById: null };

  it('counts every item, bookmarks included, through its life; a move leaves one collection for the other', async () => {
    await expectRowLifecycle({
      listeners: collectionItems,
      changes: items,
      row: item,
      counts: { 'Collection:41:itemCount': 1 },
      unchanged: { note: 'nice', updatedAt: CREATED_AT + 60_000 },
      move: { column: 'collectionId', to: 40, entityType: 'Collection' },
    });
  });
});

describe('collected and favorite counts when an item moves between collections', () => {
  const items = fakeEvent.postgres('CollectionItem');
  const item = collectionItemRow(41, { modelId: 20 });

  it('from a Bookmark collection to a plain one: a favorite becomes a collected', async () => {
    const out = await runListener(
      modelCollections,
      items.updated(item, { ...item, collectionId: 40 }),
      worldLookups(),
    );
    expect(netTotals(out)).toEqual({ 'Model:20:favoriteCount': -1, 'Model:20:collectedCount': 1 });
  });
});

describe('collection.contributors (followerCount, contributorCount)', () => {
  const contributors = fakeEvent.postgres('CollectionContributor');
  const viewer = { collectionId: 40, userId: 3, permissions: ['VIEW'], createdAt: CREATED_AT };

  it('a VIEW and ADD contributor follows and contributes through its life, and follows a move', async () => {
    await expectRowLifecycle({
      listeners: collectionContributors,
      changes: contributors,
      row: { ...viewer, permissions: ['VIEW', 'ADD'] },
      counts: { 'Collection:40:followerCount': 1, 'Collection:40:contributorCount': 1 },
      // A permission that no metric counts.
      unchanged: { permissions: ['VIEW', 'ADD', 'MANAGE'] },
      move: { column: 'collectionId', to: 42, entityType: 'Collection' },
    });
  });

  it('a VIEW contributor follows; an ADD one contributes; delete takes back', async () => {
    expect(netTotals(await runListener(collectionContributors, contributors.created(viewer)))).toEqual({
      'Collection:40:followerCount': 1,
    });
    const both = { ...viewer, permissions: ['VIEW', 'ADD', 'MANAGE'] };
    expect(netTotals(await runListener(collectionContributors, contributors.deleted(both)))).toEqual({
      'Collection:40:followerCount': -1,
      'Collection:40:contributorCount': -1,
    });
  });

  it('granting ADD (update) adds a contributor and keeps the follower', async () => {
    const out = await runListener(
      collectionContributors,
      contributors.updated(viewer, { ...viewer, permissions: ['VIEW', 'ADD'] }),
    );
    expect(netTotals(out)).toEqual({ 'Collection:40:contributorCount': 1 });
  });

  it('permissions that are not an array are an error', async () => {
    await expect(
      runListener(collectionContributors, contributors.created({ ...viewer, permissions: 'VIEW' })),
    ).rejects.toMatchObject({ code: 'ML_UNKNOWN_VALUE' });
  });
});
