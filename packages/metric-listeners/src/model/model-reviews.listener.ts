import { defineMetricListener } from '../counting/define-metric-listener.js';
import type { Contribution } from '../counting/metric-move.js';
import { countsAsReview } from '../counting/review-visibility.js';
import { COUNTED_REVIEW_SQL, postgresTruth } from '../counting/truth-sql.js';

/** What each review metric counts, of the reviews not excluded nor in violation. */
const REVIEW_METRICS = {
  ratingSum: 'sum of the rating (1–5) of counted reviews',
  ratingCount: 'counted reviews',
  thumbsUpCount: 'counted reviews with recommended = true',
  thumbsDownCount: 'counted reviews with recommended = false',
};

/**
 * ResourceReview rows → the rating and thumbs of the reviewed version and its model. The rating is kept
 * as `ratingSum` and `ratingCount`, so a reader computes the exact average (sum / count) for any
 * timeframe. Changing a rating or a recommendation, or excluding a review, moves the difference.
 */
export const modelReviews = defineMetricListener({
  id: 'model.reviews',
  table: 'ResourceReview',
  ops: ['c', 'u', 'd'],
  moves: (['Model', 'ModelVersion'] as const).flatMap((entity) =>
    Object.entries(REVIEW_METRICS).map(([metric, note]) => ({ entity, metrics: [metric], note })),
  ),
  truth: (['Model', 'ModelVersion'] as const).map((entity) =>
    postgresTruth({
      entity,
      metrics: Object.keys(REVIEW_METRICS),
      from: `"ResourceReview" x CROSS JOIN LATERAL (VALUES ('ratingSum', x.rating), ('ratingCount', 1),
        (CASE WHEN x.recommended THEN 'thumbsUpCount' ELSE 'thumbsDownCount' END, 1)) AS m("metricType", v)`,
      entityId: entity === 'Model' ? 'x."modelId"' : 'x."modelVersionId"',
      metricType: 'm."metricType"',
      value: 'm.v',
      where: COUNTED_REVIEW_SQL,
    }),
  ),
  count(r): Contribution[] {
    if (!countsAsReview(r)) return [];
    const userId = r.int('userId');
    const rating = r.int('rating');
    const thumbs = r.bool('recommended') ? 'thumbsUpCount' : 'thumbsDownCount';
    return (
      [
        ['ModelVersion', r.int('modelVersionId')],
        ['Model', r.int('modelId')],
      ] as const
    ).flatMap(([entityType, entityId]) => [
      { entityType, entityId, metricType: 'ratingSum', value: rating, userId },
      { entityType, entityId, metricType: 'ratingCount', value: 1, userId },
      { entityType, entityId, metricType: thumbs, value: 1, userId },
    ]);
  },
});
