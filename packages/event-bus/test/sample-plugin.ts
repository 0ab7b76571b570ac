// A sample plugin for the integration tests: counts image reactions per kind, and has a listener that
// always throws for the poison test. Real listeners live in @engagement/metric-listeners.
import { defineListener, definePlugin, readRow } from '@engagement/plugin-api';

export const reactionCounter = defineListener({
  id: 'sample.reactions',
  tables: ['ImageReaction'],
  canHandle: (e) => e.table === 'ImageReaction' && e.op !== 'snapshot',
  handle(e, { metrics }) {
    // Each input is an object literal: `{ ...base, metricType }` would give every object its own hidden
    // class on Node 20, which makes each of them several times slower to build and to read.
    const emit = (row: Record<string, unknown>, sign: 1 | -1) => {
      const r = readRow(row);
      const imageId = r.int('imageId');
      const userId = r.int('userId');
      const kind = `${r.string('reaction').toLowerCase()}Count`;
      metrics.add({ entityType: 'Image', entityId: imageId, userId, metricType: kind, metricValue: sign });
      metrics.add({
        entityType: 'Image',
        entityId: imageId,
        userId,
        metricType: 'reactionCount',
        metricValue: sign,
      });
      metrics.add({
        entityType: 'User',
        entityId: userId,
        userId,
        metricType: 'reactionCount',
        metricValue: sign,
      });
    };
    if (e.before && e.op !== 'create') emit(e.before, -1);
    if (e.after && e.op !== 'delete') emit(e.after, 1);
  },
});

/** Throws for every TypeProbe change: the poison test's listener that never succeeds. */
export const alwaysThrows = defineListener({
  id: 'sample.always-throws',
  tables: ['TypeProbe'],
  canHandle: (e) => e.table === 'TypeProbe',
  handle() {
    throw new Error('this listener always fails');
  },
});

export const samplePlugin = definePlugin({
  id: 'sample',
  owner: '@team/platform',
  listeners: [reactionCounter, alwaysThrows],
});
