// Uses only the event-bus public and testing exports, as any listener package would.
import { fakeEvent, runListener, startTestHost } from '@engagement/event-bus/testing';
import { describe, expect, it } from 'vitest';
import { imageReactions } from './image-reactions.listener.js';
import { imageMetricsPlugin } from './index.js';

const reactions = fakeEvent.postgres('ImageReaction');
const like = { id: 1, imageId: 7, userId: 3, reaction: 'Like', createdAt: 1_763_700_000_000 };

const summary = (
  events: { entityType: string; entityId: number; metricType: string; metricValue: number }[],
) => events.map((m) => `${m.entityType}:${m.entityId}:${m.metricType}:${m.metricValue}`);

describe('image.reactions', () => {
  it('adds a like to the image and to the reacting user on create', async () => {
    const out = await runListener(imageReactions, reactions.created(like));
    expect(summary(out)).toEqual([
      'Image:7:likeCount:1',
      'Image:7:reactionCount:1',
      'User:3:reactionCount:1',
    ]);
  });

  it('subtracts on delete', async () => {
    const out = await runListener(imageReactions, reactions.deleted(like));
    expect(summary(out)).toEqual([
      'Image:7:likeCount:-1',
      'Image:7:reactionCount:-1',
      'User:3:reactionCount:-1',
    ]);
  });

  it('moves the difference when a reaction changes kind', async () => {
    const out = await runListener(imageReactions, reactions.updated(like, { ...like, reaction: 'Heart' }));
    const totals: Record<string, number> = {};
    for (const m of out)
      totals[`${m.entityType}:${m.metricType}`] =
        (totals[`${m.entityType}:${m.metricType}`] ?? 0) + m.metricValue;
    expect(totals).toEqual({
      'Image:likeCount': -1,
      'Image:heartCount': 1,
      'Image:reactionCount': 0,
      'User:reactionCount': 0,
    });
  });

  it('ignores snapshot reads and other tables', async () => {
    expect(await runListener(imageReactions, reactions.snapshot(like))).toEqual([]);
    expect(await runListener(imageReactions, fakeEvent.postgres('Image').created({ id: 7 }))).toEqual([]);
  });

  it('counts exactly once through a host, even when changes are redelivered', async () => {
    const host = await startTestHost({ plugins: [imageMetricsPlugin] });
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
    expect(host.cache.has('User', 3)).toBe(false);
    expect(host.published).toHaveLength(12);
  });

  it('dead-letters a change the listener cannot read, and moves on', async () => {
    const host = await startTestHost({ plugins: [imageMetricsPlugin] });
    await host.send(reactions.created({ ...like, reaction: 'Shrug' }), reactions.created({ ...like, id: 9 }));
    await host.flush();
    expect(host.deadLetters.letters).toHaveLength(1);
    expect(host.deadLetters.letters[0]?.reason).toMatchObject({
      code: 'EB_LISTENER_FAILED',
      listenerId: 'image.reactions',
    });
    expect(host.store.total('Image', 7, 'likeCount')).toBe(1);
  });
});
