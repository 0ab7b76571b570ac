import { defineMetricListener } from '../counting/define-metric-listener.js';
import { postgresTruth } from '../counting/truth-sql.js';

/**
 * A tag join table (tags on models, images, posts, articles) → one count of the tag. Tables with a
 * `disabled` flag keep removed tags as rows that count for nothing, so toggling it is an update that
 * moves the count.
 */
export function tagAttachmentsListener(spec: {
  id: string;
  table: string;
  metric: string;
  disabledFlag: boolean;
}) {
  return defineMetricListener({
    id: spec.id,
    table: spec.table,
    ops: ['c', 'u', 'd'],
    moves: [
      { entity: 'Tag', metrics: [spec.metric], note: spec.disabledFlag ? 'rows not disabled' : 'every row' },
    ],
    truth: [
      postgresTruth({
        entity: 'Tag',
        metrics: spec.metric,
        from: `"${spec.table}" x`,
        entityId: 'x."tagId"',
        where: spec.disabledFlag ? 'x.disabled = false' : undefined,
      }),
    ],
    count(r) {
      if (spec.disabledFlag && r.bool('disabled')) return [];
      return [{ entityType: 'Tag', entityId: r.int('tagId'), metricType: spec.metric, value: 1 }];
    },
  });
}
