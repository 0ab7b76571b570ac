// A sample plugin for the integration tests: counts image reactions per kind, and has a listener that
// always throws for the poison test. Real listeners live in @engagement/metric-listeners.
import { defineListener, definePlugin, readRow } from '@engagement/plugin-api';

export const reactionCounter = defineListener({
  id: 'sample.reactions',
  tables: ['ImageReaction'],
  canHandle: (e) => e.table === 'ImageReaction' && e.op !== 'snapshot',
  handle(e, { metrics }) {
    const emit = (row: Record<string, unknown>, sign: 1 | -1) => {
      const r = readRow(row);
      const base = {
        entityType: 'Image',
        entityId: r.int('imageId'),
        userId: r.int('userId'),
        metricValue: sign,
      };
      metrics.add({ ...base, metricType: `${r.string('reaction').toLowerCase()}Count` });
      metrics.add({ ...base, metricType: 'reactionCount' });
      metrics.add({ ...base, entityType: 'User', entityId: r.int('userId'), metricType: 'reactionCount' });
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
