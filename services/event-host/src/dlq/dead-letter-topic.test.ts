import { describe, expect, it } from 'vitest';
import { parsePosition, positionOf, toDeadLetter } from './dead-letter.js';
import { DeadLetterTopic } from './dead-letter-topic.js';
import { InMemoryDeadLetterStore } from './in-memory-dead-letter-store.js';

function fiveLetters() {
  const store = new InMemoryDeadLetterStore('dlt');
  store.add({ code: 'ML_RELATED_ROW_MISSING', listener: 'post.reactions' });
  store.add({ code: 'EB_ROW_INVALID', listener: 'image.reactions' });
  store.add({ code: 'EB_DECODE_INVALID_JSON' });
  store.add({ code: 'ML_RELATED_ROW_MISSING', listener: 'user.reactions' }, 1);
  store.add(
    {
      code: 'EB_ROW_INVALID',
      listener: 'image.reactions',
      source: { topic: 'app.public.Other', partition: 2, offset: '9' },
    },
    1,
  );
  return { store, dlq: new DeadLetterTopic(store) };
}

describe('DeadLetterTopic', () => {
  it('counts every letter whatever the limit; the limit only limits the letters returned', async () => {
    const { dlq } = fiveLetters();
    const listing = await dlq.list({ limit: 1 });
    expect(listing.letters).toHaveLength(1);
    expect(listing.all).toEqual({ total: 5, pending: 5, redriven: 0, discarded: 0 });
    expect(listing.matched.total).toBe(5);
  });

  it('filters by listener (none = undecodable), code and source topic', async () => {
    const { dlq } = fiveLetters();
    const positions = async (filter: object) => (await dlq.list({ filter })).letters.map((l) => l.position);
    expect(await positions({ listener: 'image.reactions' })).toEqual(['dlt/0/1', 'dlt/1/1']);
    expect(await positions({ listener: 'none' })).toEqual(['dlt/0/2']);
    expect(await positions({ code: 'ML_RELATED_ROW_MISSING' })).toEqual(['dlt/0/0', 'dlt/1/0']);
    expect(await positions({ sourceTopic: 'app.public.Other' })).toEqual(['dlt/1/1']);
    const listing = await dlq.list({ filter: { code: 'EB_ROW_INVALID' }, limit: 1 });
    expect(listing.matched.total).toBe(2);
    expect(listing.all.total).toBe(5);
  });

  it('--code matches the error code or its cause code, so letters can be selected by what a listener threw', async () => {
    const store = new InMemoryDeadLetterStore('dlt');
    store.add({
      code: 'EB_LISTENER_FAILED',
      causeCode: 'ML_RELATED_ROW_MISSING',
      listener: 'post.reactions',
    });
    store.add({ code: 'EB_LISTENER_FAILED', causeCode: 'EB_DECODE_BAD_VALUE', listener: 'image.reactions' });
    store.add({ code: 'EB_DECODE_BAD_VALUE' });
    store.add({ code: 'EB_LISTENER_FAILED', listener: 'image.reactions' });
    const dlq = new DeadLetterTopic(store);
    const positions = async (code: string) =>
      (await dlq.list({ filter: { code } })).letters.map((l) => l.position);
    expect(await positions('ML_RELATED_ROW_MISSING')).toEqual(['dlt/0/0']);
    expect(await positions('EB_DECODE_BAD_VALUE')).toEqual(['dlt/0/1', 'dlt/0/2']);
    expect(await positions('EB_LISTENER_FAILED')).toEqual(['dlt/0/0', 'dlt/0/1', 'dlt/0/3']);
  });

  it('reads the cause code from its header', () => {
    const header = (v: string) => Buffer.from(v);
    const letter = toDeadLetter({
      topic: 'dlt',
      partition: 0,
      offset: '4',
      key: null,
      value: null,
      headers: {
        'eb.error.code': header('EB_LISTENER_FAILED'),
        'eb.error.cause-code': header('ML_RELATED_ROW_MISSING'),
        'eb.attempts': header('1'),
      },
    });
    expect(letter).toMatchObject({
      code: 'EB_LISTENER_FAILED',
      causeCode: 'ML_RELATED_ROW_MISSING',
      attempts: 1,
    });
    expect(toDeadLetter({ ...letter, headers: {} }).causeCode).toBeUndefined();
  });

  it('redrive --dry-run sends and marks nothing, and returns what it would redrive', async () => {
    const { store, dlq } = fiveLetters();
    const would = await dlq.redrive({ dryRun: true });
    expect(would.map((l) => l.position)).toHaveLength(5);
    expect(store.resent).toHaveLength(0);
    expect(store.markLog).toHaveLength(0);
    expect((await dlq.list()).all.pending).toBe(5);
  });

  it('records a discard, lists it as discarded and never redrives it; redrives each other letter once', async () => {
    const { store, dlq } = fiveLetters();
    const one = await dlq.discard({ position: 'dlt/0/1' }, 'cannot parse');
    expect(one.discarded.map((l) => l.position)).toEqual(['dlt/0/1']);
    const byFilter = await dlq.discard({ filter: { sourceTopic: 'app.public.Other' } });
    expect(byFilter.discarded.map((l) => l.position)).toEqual(['dlt/1/1']);
    expect(store.markLog.map((m) => [m.position, m.mark.state])).toEqual([
      ['dlt/0/1', 'discarded'],
      ['dlt/1/1', 'discarded'],
    ]);
    const listing = await dlq.list();
    expect(listing.all).toEqual({ total: 5, pending: 3, redriven: 0, discarded: 2 });
    expect(listing.letters.find((l) => l.position === 'dlt/0/1')).toMatchObject({
      state: 'discarded',
      mark: { note: 'cannot parse' },
    });

    const first = await dlq.redrive();
    expect(first.map((l) => l.position)).toEqual(['dlt/0/0', 'dlt/0/2', 'dlt/1/0']);
    expect(store.resent.map(positionOf)).toEqual(['dlt/0/0', 'dlt/0/2', 'dlt/1/0']);
    expect(await dlq.redrive()).toEqual([]);
    expect(store.resent).toHaveLength(3);
    expect((await dlq.list()).all).toEqual({ total: 5, pending: 0, redriven: 3, discarded: 2 });
    // A redriven letter is not discarded afterwards.
    expect((await dlq.discard({ position: 'dlt/0/0' })).skipped.map((l) => l.state)).toEqual(['redriven']);
  });

  it('redrives with a filter and a limit, leaving the rest pending', async () => {
    const { store, dlq } = fiveLetters();
    await dlq.redrive({ filter: { code: 'ML_RELATED_ROW_MISSING' }, limit: 1 });
    expect(store.resent.map(positionOf)).toEqual(['dlt/0/0']);
    expect((await dlq.list()).all.pending).toBe(4);
  });

  it('shows a letter by position', async () => {
    const { dlq } = fiveLetters();
    expect((await dlq.show('dlt/1/0'))?.listener).toBe('user.reactions');
    expect(await dlq.show('dlt/7/0')).toBeUndefined();
  });

  it('parses positions with or without the topic', () => {
    expect(parsePosition('eventbus.dead-letters/2/017', 'x')).toBe('eventbus.dead-letters/2/17');
    expect(parsePosition('2/17', 'dlt')).toBe('dlt/2/17');
    expect(parsePosition('2:17', 'dlt')).toBeUndefined();
  });
});
