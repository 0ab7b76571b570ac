import { fakeEvent, override, startTestHost } from '@engagement/event-bus/testing';
import type { Token } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { CREATED_AT, worldLookups, worldOverrides } from '../__fixtures__/app-world.js';
import { plugins } from '../index.js';
import { BatchLookup } from './batch-lookup.js';
import { lookupsPlugin } from './index.js';
import { imageLookupToken } from './lookup-tokens.js';
import { memoryLookup } from './memory-lookup.js';
import type { ImageRelations } from './relations.js';

const images = fakeEvent.postgres('Image');
const reactions = fakeEvent.postgres('ImageReaction');
const versions = fakeEvent.postgres('ModelVersion');
const resources = fakeEvent.postgres('ImageResource');
const like = { id: 1, imageId: 500, userId: 3, reaction: 'Like', createdAt: CREATED_AT };

describe('app-lookups', () => {
  it('needs the host to provide the app database, and provides every lookup token', () => {
    const provided = lookupsPlugin.services.map((s) => s.token.id).sort();
    expect(provided).toEqual([
      'lookups.collection',
      'lookups.image',
      'lookups.model',
      'lookups.modelVersion',
      'lookups.thread',
    ]);
    expect(
      new Set(
        lookupsPlugin.services.flatMap((s) =>
          Object.values(s.deps as Record<string, Token<unknown>>).map((t) => t.id),
        ),
      ),
    ).toEqual(new Set(['app.db']));
  });

  it('remembers a new model version from its own change, so its image resources need no query', async () => {
    const lookups = worldLookups();
    const host = await startTestHost({ plugins, overrides: worldOverrides(lookups) });
    const version = { id: 600, modelId: 20, name: 'v', status: 'Draft', createdAt: CREATED_AT };
    const resource = { imageId: 7, modelVersionId: 600, createdAt: CREATED_AT };
    await host.send(versions.created(version), resources.created(resource));
    await host.flush();
    expect(host.store.total('ModelVersion', 600, 'imageCount')).toBe(1);
    // The model (from the remembered version) is touched for recompute.
    expect(host.touched).toContainEqual({ entityType: 'Model', entityId: 20, metrics: ['imageCount'] });
    expect(lookups.versions.stats.queries).toBe(0);
  });

  it("reads an image's post again for every batch: a reaction after a move counts for the new post", async () => {
    const posts = new Map([[7, 70]]);
    const fresh = new BatchLookup<ImageRelations>({
      name: 'image',
      mutable: true,
      load: async (ids) =>
        ids.map((id) => ({ id, value: { postId: posts.get(id)!, userId: 1 }, archived: false })),
    });
    const host = await startTestHost({
      plugins,
      overrides: [
        ...worldOverrides().filter((o) => o.token.id !== imageLookupToken.id),
        override(imageLookupToken, fresh),
      ],
    });
    const on7 = { ...like, imageId: 7 };
    await host.send(reactions.created(on7));
    posts.set(7, 71);
    // The image's own update is not taken as the truth: the stream can be behind the database.
    await host.send(images.updated({ id: 7, userId: 1, postId: 70 }, { id: 7, userId: 1, postId: 70 }));
    await host.send(reactions.created({ ...on7, id: 2, userId: 4 }));
    await host.flush();
    expect(host.store.total('Post', 70, 'likeCount')).toBe(1);
    expect(host.store.total('Post', 71, 'likeCount')).toBe(1);
    expect(fresh.stats.queries).toBe(2);
  });

  it('answers a reaction deleted with its image (a cascade) from the archive, whatever arrives first', async () => {
    // Image 500 is gone from the table; its delete trigger archived it. Its own delete event is not needed.
    const lookups = worldLookups();
    const host = await startTestHost({ plugins, overrides: worldOverrides(lookups) });
    await host.send(reactions.deleted(like));
    await host.flush();
    expect(host.deadLetters.letters).toEqual([]);
    expect(host.store.total('Image', 500, 'likeCount')).toBe(-1);
    // The post's removal is recomputed from the source; found through the archived image all the same.
    expect(host.touched.map((t) => `${t.entityType}:${t.entityId}`)).toEqual(['Post:80']);
    expect(host.store.total('User', 6, 'reactionCount')).toBe(-1);
    expect(lookups.images.stats.archived).toBe(1);
  });

  it('an image in neither: only the listeners that need it dead-letter the change, after one attempt', async () => {
    const host = await startTestHost({ plugins, overrides: worldOverrides() });
    await host.send(reactions.deleted({ ...like, imageId: 501 }));
    await host.flush();
    const failed = host.deadLetters.letters.map((l) => l.reason.listenerId).sort();
    expect(failed).toEqual(['post.reactions', 'user.reactions']);
    expect(host.deadLetters.letters.map((l) => [l.reason.causeCode, l.reason.attempts])).toEqual([
      ['ML_RELATED_ROW_MISSING', 1],
      ['ML_RELATED_ROW_MISSING', 1],
    ]);
    expect(host.store.total('Image', 501, 'likeCount')).toBe(-1);
  });

  it('a lookup override replaces the Prisma service (no database needed in tests)', async () => {
    const only = memoryLookup('image', [[500, { postId: 80, userId: 6 }]]);
    const host = await startTestHost({
      plugins,
      overrides: [
        ...worldOverrides().filter((o) => o.token.id !== imageLookupToken.id),
        override(imageLookupToken, only),
      ],
    });
    await host.send(reactions.created(like));
    await host.flush();
    expect(host.store.total('Post', 80, 'likeCount')).toBe(1);
    expect(only.stats.queries).toBe(1);
  });
});
