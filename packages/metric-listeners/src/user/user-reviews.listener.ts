import { defineMetricListener } from '../counting/define-metric-listener.js';
import { countsAsReview } from '../counting/review-visibility.js';
import { COUNTED_REVIEW_SQL, postgresTruth } from '../counting/truth-sql.js';

/** ResourceReview rows → the reviewer's reviewCount; excluded or violating reviews count for nothing. */
export const userReviews = defineMetricListener({
  id: 'user.reviews',
  table: 'ResourceReview',
  ops: ['c', 'u', 'd'],
  moves: [{ entity: 'User', metrics: ['reviewCount'], note: "the reviewer's counted reviews" }],
  truth: [
    postgresTruth({
      entity: 'User',
      metrics: 'reviewCount',
      from: '"ResourceReview" x',
      entityId: 'x."userId"',
      where: COUNTED_REVIEW_SQL,
    }),
  ],
  count(r) {
    if (!countsAsReview(r)) return [];
    const userId = r.int('userId');
    return [{ entityType: 'User', entityId: userId, metricType: 'reviewCount', value: 1, userId }];
  },
});
