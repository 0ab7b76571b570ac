import { fakeEvent, netTotals, runListener } from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT, worldLookups } from '../__fixtures__/app-world.js';
import { expectCreateAndDelete } from '../__fixtures__/expect-moves.js';
import { collectionItemRow } from '../__fixtures__/source-rows.js';
import { modelCollections } from '../model/model-collections.listener.js';
import { collectionContributors } from './collection-contributors.listener.js';
import { collectionItems } from './collection-items.listener.js';

describe('collection.items (itemCount)', () => {
  const items = fakeEvent.postgres('CollectionItem');
  const item = { id: 1, collectionId: 41, addedById: null, imageId: 7, modelId: null, createdAt: CREATED_AT };

  it('counts every item, bookmarks included; delete takes it back', async () => {
    await expectCreateAndDelete(collectionItems, items, item, { 'Collection:41:itemCount': 1 });
  });

  it('an item moved to another collection leaves the old one and joins the new one, same createdAt', async () => {
    const out = await runListener(collectionItems, items.updated(item, { ...item, collectionId: 40 }));
    expect(netTotals(out)).toEqual({ 'Collection:41:itemCount': -1, 'Collection:40:itemCount': 1 });
    expect(new Set(out.map((e) => e.createdAt.getTime()))).toEqual(new Set([CREATED_AT]));
    const edited = await runListener(collectionItems, items.updated(item, { ...item, note: 'nice' }));
    expect(edited).toEqual([]);
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
