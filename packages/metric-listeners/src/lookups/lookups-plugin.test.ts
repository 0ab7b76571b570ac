import type { Token } from '@engagement/event-bus';
import { fakeEvent, override, startTestHost } from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT, worldLookups, worldOverrides } from '../__fixtures__/app-world.js';
import { plugins } from '../index.js';
import { lookupsPlugin } from './index.js';
import { imageLookupToken } from './lookup-tokens.js';
import { memoryLookup } from './memory-lookup.js';

const images = fakeEvent.postgres('Image');
const reactions = fakeEvent.postgres('ImageReaction');
const image = { id: 500, userId: 6, postId: 80, createdAt: CREATED_AT };
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

  it('remembers a new image from its own change, so its reactions need no query', async () => {
    const lookups = worldLookups();
    const host = await startTestHost({ plugins, overrides: worldOverrides(lookups) });
    await host.send(images.created(image), reactions.created(like));
    await host.flush();
    expect(host.store.total('Post', 80, 'likeCount')).toBe(1);
    expect(host.store.total('User', 6, 'reactionCount')).toBe(1);
    expect(lookups.images.stats.queries).toBe(0);
  });

  it('keeps a deleted image answerable, so its cascaded reaction deletes still reach post and owner', async () => {
    // Image 500 is not in the database any more: only its own delete event tells where it was.
    const host = await startTestHost({ plugins, overrides: worldOverrides() });
    await host.send(images.deleted(image), reactions.deleted(like));
    await host.flush();
    expect(host.deadLetters.letters).toEqual([]);
    expect(host.store.total('Image', 500, 'likeCount')).toBe(-1);
    expect(host.store.total('Post', 80, 'likeCount')).toBe(-1);
    expect(host.store.total('User', 6, 'reactionCount')).toBe(-1);
  });

  it('without it, only the listeners that need the image dead-letter the change; the image still counts', async () => {
    const host = await startTestHost({ plugins, overrides: worldOverrides() });
    await host.send(reactions.deleted(like));
    await host.flush();
    const failed = host.deadLetters.letters.map((l) => l.reason.listenerId).sort();
    expect(failed).toEqual(['post.reactions', 'user.reactions']);
    expect(host.deadLetters.letters[0]?.reason.message).toContain('ML_RELATED_ROW_MISSING');
    expect(host.store.total('Image', 500, 'likeCount')).toBe(-1);
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
