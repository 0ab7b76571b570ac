import { describe, expect, it } from 'vitest';
import { compareGroups, coverageOf } from './compare.js';
import { correctionsFor } from './corrections.js';

const row = (entityId: number, metricType: string, createdAtMs: number, value: number) => ({
  entityId,
  metricType,
  createdAtMs,
  value,
});

describe('compareGroups', () => {
  it('compares per entity, metric and createdAt, so an offsetting group does not hide a loss', () => {
    const truth = [row(1, 'likeCount', 100, 1), row(1, 'likeCount', 200, 1), row(2, 'likeCount', 100, 2)];
    // Entity 1 lost the 100 group but has a stray +1 at 300: its total is right, two groups are not.
    const stored = [row(1, 'likeCount', 200, 1), row(1, 'likeCount', 300, 1), row(2, 'likeCount', 100, 2)];
    const { findings, differences } = compareGroups(
      'Image',
      [1, 2, 3],
      ['likeCount', 'heartCount'],
      truth,
      stored,
    );
    expect(differences).toEqual([
      { entityType: 'Image', entityId: 1, metric: 'likeCount', createdAtMs: 100, stored: 0, truth: 1 },
      { entityType: 'Image', entityId: 1, metric: 'likeCount', createdAtMs: 300, stored: 1, truth: 0 },
    ]);
    expect(findings.map((f) => [f.metric, f.checked, [...f.off], f.stored, f.truth])).toEqual([
      ['likeCount', 3, [1], 4, 4],
      ['heartCount', 3, [], 0, 0],
    ]);
  });

  it('gives coverage as stored ÷ truth, 1 when there is nothing to have', () => {
    expect(coverageOf(3, 4)).toBe(0.75);
    expect(coverageOf(0, 0)).toBe(1);
  });
});

describe('correctionsFor', () => {
  const differences = [
    { entityType: 'Image', entityId: 1, metric: 'likeCount', createdAtMs: 100, stored: 0, truth: 1 },
    { entityType: 'Image', entityId: 1, metric: 'likeCount', createdAtMs: 300, stored: 1, truth: 0 },
  ];

  it('writes truth − stored per group, dated by the group, in position order, without a source transaction', () => {
    const events = correctionsFor(differences, '10:12:11', 'repair:r1', 5);
    expect(
      events.map((e) => [e.metricValue, e.createdAt.getTime(), e.origin, e.originSeq, e.sourceTx]),
    ).toEqual([
      [1, 100, 'repair:r1', 5, undefined],
      [-1, 300, 'repair:r1', 6, undefined],
    ]);
  });

  it('derives ids from the snapshot and the group: the same corrections get the same ids', () => {
    const ids = (snapshot: string) =>
      correctionsFor(differences, snapshot, 'repair:any').map((e) => e.eventId);
    expect(ids('10:12:11')).toEqual(ids('10:12:11'));
    expect(ids('10:13:')).not.toEqual(ids('10:12:11'));
    expect(new Set(ids('10:12:11')).size).toBe(2);
  });
});
