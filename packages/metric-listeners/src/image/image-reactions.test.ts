// Uses the event-bus public and testing exports, as any listener package would, and this package's world fixture.
import {
  expectRowLifecycle,
  fakeEvent,
  netTotals,
  runListener,
  startTestHost,
} from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { CREATED_AT, worldOverrides } from '../__fixtures__/app-world.js';
import { imageReactions } from './image-reactions.listener.js';
import { imageMetricsPlugin } from './index.js';

const reactions = fakeEvent.postgres('ImageReaction');
const like = { id: 1, imageId: 7, userId: 3, reaction: 'Like', createdAt: CREATED_AT };

describe('image.reactions', () => {
  it('adds the kind and reactionCount to the image on create, dated by the reaction row', async () => {
    const out = await runListener(imageReactions, reactions.created(like));
    expect(netTotals(out)).toEqual({ 'Image:7:likeCount': 1, 'Image:7:reactionCount': 1 });
    expect(out.every((m) => m.createdAt.getTime() === CREATED_AT && m.userId === 3)).toBe(true);
  });

  it('subtracts on delete', async () => {
    const out = await runListener(imageReactions, reactions.deleted(like));
    expect(netTotals(out)).toEqual({ 'Image:7:likeCount': -1, 'Image:7:reactionCount': -1 });
    expect(out[0]?.createdAt.getTime()).toBe(CREATED_AT);
  });

  it('moves the difference when a reaction changes kind, and leaves reactionCount alone', async () => {
    const out = await runListener(imageReactions, reactions.updated(like, { ...like, reaction: 'Heart' }));
    expect(out.map((m) => [m.metricType, m.metricValue])).toEqual([
      ['likeCount', -1],
      ['heartCount', 1],
    ]);
  });

  it('keeps its counts on the right image through a reaction’s life: create, update, move, delete', async () => {
    await expectRowLifecycle({
      listeners: imageReactions,
      changes: reactions,
      row: like,
      counts: { 'Image:7:likeCount': 1, 'Image:7:reactionCount': 1 },
      move: { column: 'imageId', to: 8, entityType: 'Image' },
    });
  });

  it('ignores snapshot reads and other tables', async () => {
    expect(await runListener(imageReactions, reactions.snapshot(like))).toEqual([]);
    expect(await runListener(imageReactions, fakeEvent.postgres('Image').created({ id: 7 }))).toEqual([]);
  });

  it('counts exactly once through a host, even when changes are redelivered', async () => {
    const host = await startTestHost({ plugins: [imageMetricsPlugin], overrides: worldOverrides() });
    host.cache.fill('Image', 7, { likeCount: 10, reactionCount: 12 });
    const first = reactions.created(like);
    const second = reactions.created({ ...like, id: 2, userId: 4 });
    await host.send(first, second);
    await host.flush();
    // A crash before the commit replays both: same ids in the store, same positions for the cache.
    await host.send(first, second);
    await host.flush();
    expect(host.store.total('Image', 7, 'likeCount')).toBe(2);
    expect(host.cache.get('Image', 7, 'likeCount')).toBe(12);
    expect(host.cache.get('Image', 7, 'reactionCount')).toBe(14);
    expect(host.published).toHaveLength(8);
  });

  it('dead-letters a reaction of an unknown kind for this listener only, and moves on', async () => {
    const host = await startTestHost({ plugins: [imageMetricsPlugin], overrides: worldOverrides() });
    await host.send(reactions.created({ ...like, reaction: 'Shrug' }), reactions.created({ ...like, id: 9 }));
    await host.flush();
    expect(host.deadLetters.letters).toHaveLength(1);
    expect(host.deadLetters.letters[0]?.reason).toMatchObject({
      code: 'EB_LISTENER_FAILED',
      listenerId: 'image.reactions',
    });
    expect(host.deadLetters.letters[0]?.reason.message).toContain('ML_UNKNOWN_VALUE');
    expect(host.store.total('Image', 7, 'likeCount')).toBe(1);
  });
});
