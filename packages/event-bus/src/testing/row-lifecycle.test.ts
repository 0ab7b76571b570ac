import { defineListener, type ListenerDefinition, type MetricInput, readRow } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { fakeEvent } from './fake-events.js';
import { netTotals } from './net-totals.js';
import { expectRowLifecycle } from './row-lifecycle.js';

const reactions = fakeEvent.postgres('ArticleReaction');
const like = { id: 1, articleId: 7, userId: 3, reaction: 'Like', createdAt: Date.UTC(2026, 0, 5) };
type Row = Record<string, unknown>;

/** The article's like count from a row, dated by the row (or by `dated`, for the misdating variant). */
const count = (row: Row, sign: 1 | -1, dated?: Date): MetricInput => {
  const r = readRow(row);
  return {
    entityType: 'Article',
    entityId: r.int('articleId'),
    userId: r.int('userId'),
    metricType: 'likeCount',
    metricValue: sign,
    createdAt: dated ?? r.date('createdAt'),
  };
};

/** writing-a-listener.md's reactions listener, or one of its variants with a bug `variant` names. */
function reactionsListener(variant: 'right' | 'double' | 'skipsUpdates' | 'takesFromNew' | 'datedByChange') {
  return defineListener({
    id: `article.reactions.${variant}`,
    tables: ['ArticleReaction'],
    canHandle: (e) =>
      e.table === 'ArticleReaction' &&
      e.op !== 'snapshot' &&
      !(variant === 'skipsUpdates' && e.op === 'update'),
    handle(e, { metrics }) {
      const before =
        variant === 'takesFromNew' && e.op === 'update'
          ? { ...e.before, articleId: e.after?.articleId }
          : e.before;
      const deleteAt = variant === 'datedByChange' && e.op === 'delete' ? e.occurredAt : undefined;
      if (before && e.op !== 'create' && !(variant === 'double' && e.op === 'update'))
        metrics.add(count(before, -1, deleteAt));
      if (e.after && e.op !== 'delete') metrics.add(count(e.after, 1));
    },
  }) as ListenerDefinition;
}

const lifeOf = (listener: ListenerDefinition) =>
  expectRowLifecycle({
    listeners: listener,
    changes: reactions,
    row: like,
    counts: { 'Article:7:likeCount': 1 },
    move: { column: 'articleId', to: 8, entityType: 'Article' },
  });

describe('expectRowLifecycle', () => {
  it('passes a listener that counts a row through create, update, move and delete, dated by the row', async () => {
    const steps = await lifeOf(reactionsListener('right'));
    expect(steps.moved.map((m) => [m.entityId, m.metricValue])).toEqual([
      [7, -1],
      [8, 1],
    ]);
  });

  it.each([
    [
      'an update that adds the new row without taking back the old',
      'double',
      /after the update that changes nothing/,
    ],
    ['a canHandle that skips updates', 'skipsUpdates', /after the move to Article 8/],
    ['a move that takes the count back from the new parent', 'takesFromNew', /after the move to Article 8/],
    [
      "a delete dated by its change, not by the row's createdAt",
      'datedByChange',
      /Article:8:likeCount from the delete must be dated by the row's createdAt/,
    ],
  ] as const)('fails %s', async (_, variant, step) => {
    await expect(lifeOf(reactionsListener(variant))).rejects.toThrow(step);
  });

  it('refuses a move of a parent that holds none of the counts', async () => {
    const life = { listeners: reactionsListener('right'), changes: reactions, row: like };
    await expect(
      expectRowLifecycle({
        ...life,
        counts: { 'Article:7:likeCount': 1 },
        move: { column: 'userId', to: 4, entityType: 'User' },
      }),
    ).rejects.toThrow("counts hold nothing of User 3, the row's userId");
  });

  it('moves several parents in one update, and follows a parent named through another row', async () => {
    // The article's author receives the like: User 30 owns article 7, User 40 article 8.
    const authors = new Map([
      [7, 30],
      [8, 40],
    ]);
    const received = defineListener({
      id: 'user.likes-received',
      tables: ['ArticleReaction'],
      canHandle: (e) => e.table === 'ArticleReaction' && e.op !== 'snapshot',
      handle(e, { metrics }) {
        const add = (row: Row, sign: 1 | -1) =>
          metrics.add({
            ...count(row, sign),
            entityType: 'User',
            entityId: authors.get(readRow(row).int('articleId'))!,
          });
        if (e.before && e.op !== 'create') add(e.before, -1);
        if (e.after && e.op !== 'delete') add(e.after, 1);
      },
    }) as ListenerDefinition;
    const life = {
      changes: reactions,
      row: like,
      counts: { 'Article:7:likeCount': 1, 'User:30:likeCount': 1 },
      move: [
        { column: 'articleId', to: 8, entityType: 'Article' },
        { column: 'articleId', to: 8, entityType: 'User', entityIds: { from: 30, to: 40 } },
      ],
    };
    const steps = await expectRowLifecycle({ ...life, listeners: [reactionsListener('right'), received] });
    expect(netTotals(steps.moved)).toEqual({
      'Article:7:likeCount': -1,
      'Article:8:likeCount': 1,
      'User:30:likeCount': -1,
      'User:40:likeCount': 1,
    });
    await expect(
      expectRowLifecycle({ ...life, listeners: [reactionsListener('takesFromNew'), received] }),
    ).rejects.toThrow(/after the move to Article 8 and User 40/);
  });

  it('runs several listeners of one table together, and needs no move', async () => {
    const twice = [reactionsListener('right'), reactionsListener('right')];
    await expect(
      expectRowLifecycle({
        listeners: twice,
        changes: reactions,
        row: like,
        counts: { 'Article:7:likeCount': 2 },
      }),
    ).resolves.toMatchObject({ moved: [] });
  });
});
