import { describe, expect, it } from 'vitest';
import { samplePlugin } from '../../test/sample-plugin.js';
import { fakeEvent } from './fake-events.js';
import { startTestHost } from './test-host.js';

const reactions = fakeEvent.postgres('ImageReaction');
const like = { id: 1, imageId: 7, userId: 3, reaction: 'Like' };
// Built when the module loads: its offset is behind every change a test builds.
const removal = reactions.deleted(like);

describe("startTestHost's send and the order of offsets", () => {
  it('refuses a change built before one it sent already, instead of dropping it as a redelivery', async () => {
    const host = await startTestHost({ plugins: [samplePlugin] });
    host.cache.fill('Image', 7, { likeCount: 10 });
    await host.send(reactions.created(like));
    await host.flush();
    await expect(host.send(removal)).rejects.toThrow(
      /offset \d+ of app\.public\.ImageReaction:0 goes back .* build changes in the order you send them/,
    );
    expect(host.cache.get('Image', 7, 'likeCount')).toBe(11);
  });

  it('refuses one within a batch too, before processing any of it', async () => {
    const host = await startTestHost({ plugins: [samplePlugin] });
    const early = reactions.created(like);
    const late = reactions.created({ ...like, id: 2 });
    await expect(host.send(late, early)).rejects.toThrow(/nothing was sent at that offset/);
    await host.flush();
    expect(host.store.rows).toEqual([]);
  });

  it('refuses a record of another content at an offset sent already', async () => {
    const host = await startTestHost({ plugins: [samplePlugin] });
    const change = reactions.created(like);
    await host.send(change);
    const other = { ...change, record: { ...change.record, value: reactions.created(like).record.value } };
    await expect(host.send(other)).rejects.toThrow(/another record was sent at that offset/);
  });

  it('keeps redeliveries: the same change again, alone or in a later batch, and copies of its record', async () => {
    const host = await startTestHost({ plugins: [samplePlugin] });
    host.cache.fill('Image', 7, { likeCount: 10 });
    const a = reactions.created(like);
    const b = reactions.created({ ...like, id: 2 });
    await host.send(a, b, a);
    await host.send(a, b);
    await host.send({ ...b, record: { ...b.record } }, fakeEvent.resent(a));
    await host.flush();
    expect(host.store.total('Image', 7, 'likeCount')).toBe(2);
    expect(host.cache.get('Image', 7, 'likeCount')).toBe(12);
    expect(host.resendsSkipped).toBe(1);
  });
});
