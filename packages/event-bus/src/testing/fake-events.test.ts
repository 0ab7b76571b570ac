import { describe, expect, it } from 'vitest';
import { FAKE_COMMIT_TIME, fakeEvent } from './fake-events.js';

const reactions = fakeEvent.postgres('ImageReaction');
const like = { id: 1, imageId: 7, userId: 3, reaction: 'Like' };

describe('fake changes', () => {
  it('are committed at FAKE_COMMIT_TIME unless given a time, so a test reads no clock', () => {
    const changes = [
      reactions.created(like),
      reactions.updated(like, { ...like, reaction: 'Heart' }),
      reactions.deleted(like),
      reactions.snapshot(like),
    ];
    expect(changes.map((c) => c.event.occurredAt)).toEqual(Array(4).fill(FAKE_COMMIT_TIME));
    const at = new Date(Date.UTC(2026, 2, 3));
    expect(reactions.deleted(like, at).event.occurredAt).toEqual(at);
  });
});
