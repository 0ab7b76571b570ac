import { defineMetricListener } from '../counting/define-metric-listener.js';
import type { Contribution } from '../counting/metric-move.js';
import { postgresTruth, VISIBLE_COMMENT_SQL } from '../counting/truth-sql.js';

/**
 * Comment (v1) rows → commentCount of the model, and of the version when the comment names one. Hidden
 * comments and comments in violation count for nothing; replies count like any comment.
 */
export const modelComments = defineMetricListener({
  id: 'model.comments',
  table: 'Comment',
  ops: ['c', 'u', 'd'],
  moves: [
    { entity: 'Model', metrics: ['commentCount'], note: 'visible comments on the model' },
    { entity: 'ModelVersion', metrics: ['commentCount'], note: 'visible comments naming the version' },
  ],
  truth: (['modelId', 'modelVersionId'] as const).map((column) =>
    postgresTruth({
      entity: column === 'modelId' ? 'Model' : 'ModelVersion',
      metrics: 'commentCount',
      from: '"Comment" x',
      entityId: `x."${column}"`,
      where: VISIBLE_COMMENT_SQL,
    }),
  ),
  count(r): Contribution[] {
    if (r.bool('hidden') || r.bool('tosViolation')) return [];
    const userId = r.int('userId');
    const out: Contribution[] = [
      { entityType: 'Model', entityId: r.int('modelId'), metricType: 'commentCount', value: 1, userId },
    ];
    if (!r.isNull('modelVersionId')) {
      out.push({
        entityType: 'ModelVersion',
        entityId: r.int('modelVersionId'),
        metricType: 'commentCount',
        value: 1,
        userId,
      });
    }
    return out;
  },
});
