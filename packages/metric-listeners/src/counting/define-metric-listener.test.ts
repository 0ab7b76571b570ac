import { fakeEvent, netTotals, runListener } from '@engagement/event-bus/testing';
import type { RowReader } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { CREATED_AT } from '../__fixtures__/app-world.js';
import { imageLookupToken } from '../lookups/lookup-tokens.js';
import { memoryLookup } from '../lookups/memory-lookup.js';
import { defineMetricListener } from './define-metric-listener.js';
import { postgresTruth } from './truth-sql.js';

const rows = fakeEvent.postgres('Widget');
const widget = { id: 1, ownerId: 5, points: 3, active: true, createdAt: CREATED_AT };

/** Counts active widgets and their points for the owner: a stand-in with every kind of update. */
const widgets = defineMetricListener({ id: 'test.widgets', ...widgetsSpec() });

describe('defineMetricListener', () => {
  it('adds on create and subtracts on delete, dated by the row, not by the change', async () => {
    const changedLater = new Date(CREATED_AT + 86_400_000 * 40);
    const created = await runListener(widgets, rows.created(widget, changedLater));
    expect(netTotals(created)).toEqual({ 'User:5:widgetCount': 1, 'User:5:pointSum': 3 });
    const deleted = await runListener(widgets, rows.deleted(widget, changedLater));
    expect(netTotals(deleted)).toEqual({ 'User:5:widgetCount': -1, 'User:5:pointSum': -3 });
    expect([...created, ...deleted].map((m) => m.createdAt.getTime())).toEqual(Array(4).fill(CREATED_AT));
  });

  it('moves only the difference on update, and nothing when nothing counted changed', async () => {
    const more = await runListener(widgets, rows.updated(widget, { ...widget, points: 10 }));
    expect(more.map((m) => [m.metricType, m.metricValue])).toEqual([['pointSum', 7]]);
    const moved = await runListener(widgets, rows.updated(widget, { ...widget, ownerId: 6 }));
    expect(netTotals(moved)).toEqual({
      'User:5:widgetCount': -1,
      'User:5:pointSum': -3,
      'User:6:widgetCount': 1,
      'User:6:pointSum': 3,
    });
    const off = await runListener(widgets, rows.updated(widget, { ...widget, active: false }));
    expect(netTotals(off)).toEqual({ 'User:5:widgetCount': -1, 'User:5:pointSum': -3 });
    expect(await runListener(widgets, rows.updated(widget, { ...widget }))).toEqual([]);
  });

  it('ignores snapshot reads, other tables and ops it does not declare', async () => {
    expect(await runListener(widgets, rows.snapshot(widget))).toEqual([]);
    expect(await runListener(widgets, fakeEvent.postgres('Gadget').created(widget))).toEqual([]);
    const createOnly = defineMetricListener({ ...widgetsSpec(), id: 'test.create-only', ops: ['c'] });
    expect(await runListener(createOnly, rows.deleted(widget))).toEqual([]);
    expect(netTotals(await runListener(createOnly, rows.created(widget)))).toEqual({
      'User:5:widgetCount': 1,
      'User:5:pointSum': 3,
    });
  });

  it('refuses an update without its before row (no REPLICA IDENTITY FULL)', async () => {
    const change = rows.updated(widget, { ...widget, points: 4 }).event;
    await expect(runListener(widgets, { ...change, before: null })).rejects.toMatchObject({
      code: 'ML_UPDATE_WITHOUT_BEFORE',
    });
  });

  it('refuses to emit a metric its moves do not declare', async () => {
    const sloppy = defineMetricListener({
      ...widgetsSpec(),
      id: 'test.sloppy',
      moves: [{ entity: 'User', metrics: ['widgetCount'] }],
    });
    await expect(runListener(sloppy, rows.created(widget))).rejects.toMatchObject({
      code: 'ML_UNDECLARED_METRIC',
    });
  });

  it('carries its truth, which must name exactly the metrics it moves', () => {
    const truth = postgresTruth({
      entity: 'User',
      metrics: ['widgetCount', 'pointSum'],
      from: '"Widget" x',
      entityId: 'x."ownerId"',
      metricType: `m."metricType"`,
    });
    const withTruth = defineMetricListener({ ...widgetsSpec(), id: 'test.truth', truth: [truth] });
    expect(withTruth.truth).toEqual([truth]);
    expect(widgets.truth).toBeUndefined();
    const partial = { ...truth, metrics: ['widgetCount', 'gadgetCount'] };
    expect(() => defineMetricListener({ ...widgetsSpec(), id: 'test.partial', truth: [partial] })).toThrow(
      'ML_TRUTH_MISMATCH: test.partial: its truth names undeclared User:gadgetCount and leaves out User:pointSum',
    );
  });

  it('declares its source, table, ops and moves for the docs', () => {
    expect(widgets.declaration).toEqual({
      source: 'postgres',
      table: 'Widget',
      ops: ['c', 'u', 'd'],
      moves: [{ entity: 'User', metrics: ['widgetCount', 'pointSum'] }],
    });
    expect(widgets.tables).toEqual(['Widget']);
  });

  it('prefetches the related ids of a whole batch in one query', async () => {
    const images = memoryLookup('image', [
      [7, { postId: 70, userId: 1 }],
      [8, { postId: null, userId: 1 }],
    ]);
    const byImage = defineMetricListener({
      id: 'test.by-image',
      table: 'Widget',
      ops: ['c', 'u', 'd'],
      moves: [{ entity: 'User', metrics: ['widgetCount'] }],
      deps: { images: imageLookupToken },
      related: { images: (r) => r.int('imageId') },
      count: async (r, { images }) => {
        const image = await images.get(r.int('imageId'));
        return image
          ? [{ entityType: 'User', entityId: image.userId, metricType: 'widgetCount', value: 1 }]
          : [];
      },
    });
    const batch = [7, 8, 7, 9].map((imageId, id) => rows.created({ ...widget, id, imageId }).event);
    await byImage.prefetch(
      [...batch, rows.created({ id: 99, imageId: 12 }).event, rows.snapshot({ imageId: 13 }).event],
      {
        images,
      },
    );
    expect(images.stats).toMatchObject({ queries: 1, idsRequested: 4 });
    for (const e of batch) await runListener(byImage, e, { images });
    expect(images.stats.queries).toBe(2); // image 9 does not exist: asked again, never cached
  });
});

function widgetsSpec() {
  return {
    table: 'Widget',
    ops: ['c', 'u', 'd'] as const,
    moves: [{ entity: 'User' as const, metrics: ['widgetCount', 'pointSum'] }],
    count: widgetsCount,
  };
}

function widgetsCount(r: RowReader) {
  return r.bool('active')
    ? [
        { entityType: 'User' as const, entityId: r.int('ownerId'), metricType: 'widgetCount', value: 1 },
        {
          entityType: 'User' as const,
          entityId: r.int('ownerId'),
          metricType: 'pointSum',
          value: r.int('points'),
        },
      ]
    : [];
}
