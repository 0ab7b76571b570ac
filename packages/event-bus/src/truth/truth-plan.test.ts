import { defineListener, definePlugin, type MetricTruth } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { truthPlan } from './truth-plan.js';

const truth = (sql: string): MetricTruth => ({
  source: 'postgres',
  entityType: 'Post',
  metrics: ['likeCount'],
  sql,
});
const listener = (id: string, t: MetricTruth[]) =>
  defineListener({ id, tables: ['X'], canHandle: () => false, handle: () => undefined, truth: t });

describe('truthPlan', () => {
  it('plans a truth two listeners declare identically once (one keeps it with deltas, one touches it)', () => {
    const shared = truth('SELECT 1');
    const plan = truthPlan([
      definePlugin({ id: 'a', owner: 't', listeners: [listener('post.reactions', [shared])] }),
      definePlugin({ id: 'b', owner: 't', listeners: [listener('post.image-moves', [truth('SELECT 1')])] }),
    ]);
    expect(plan.byEntityType.get('Post')!.map((p) => p.listenerId)).toEqual(['post.reactions']);
  });

  it('keeps different truths of one metric (several listeners each count their share)', () => {
    const plan = truthPlan([
      definePlugin({
        id: 'a',
        owner: 't',
        listeners: [listener('one', [truth('SELECT 1')]), listener('two', [truth('SELECT 2')])],
      }),
    ]);
    expect(plan.byEntityType.get('Post')!.map((p) => p.listenerId)).toEqual(['one', 'two']);
  });
});
