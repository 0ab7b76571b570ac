import { defineListener, readRow } from '@engagement/event-bus';
import { REACTION_METRICS } from './reaction-metrics.js';

/**
 * ImageReaction rows → the image's per-kind counts and reactionCount, and the reacting user's
 * reactionCount. Creates add, deletes subtract; an update (a reaction changing kind) moves the difference.
 * Snapshot reads are ignored: history is loaded by the backfill, not by the stream.
 */
export const imageReactions = defineListener({
  id: 'image.reactions',
  tables: ['ImageReaction'],
  canHandle: (e) => e.source === 'postgres' && e.table === 'ImageReaction' && e.op !== 'snapshot',
  handle(e, { metrics }) {
    const emit = (row: Record<string, unknown>, sign: 1 | -1) => {
      const r = readRow(row);
      const imageId = r.int('imageId');
      const userId = r.int('userId');
      const kind = r.string('reaction');
      const metricType = REACTION_METRICS[kind];
      if (!metricType) throw new Error(`unknown reaction "${kind}"`);
      metrics.add({ entityType: 'Image', entityId: imageId, userId, metricType, metricValue: sign });
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
