import { defineMetricListener } from '../counting/define-metric-listener.js';
import { postgresTruth } from '../counting/truth-sql.js';

/**
 * ArticleEngagement rows → the article's hideCount (Hide engagements). Favorites are collection items in
 * the mapping, so Favorite engagements count for nothing here; switching kind moves the difference.
 */
export const articleEngagements = defineMetricListener({
  id: 'article.engagements',
  table: 'ArticleEngagement',
  ops: ['c', 'u', 'd'],
  moves: [{ entity: 'Article', metrics: ['hideCount'], note: 'Hide engagements' }],
  truth: [
    postgresTruth({
      entity: 'Article',
      metrics: 'hideCount',
      from: '"ArticleEngagement" x',
      entityId: 'x."articleId"',
      where: "x.type = 'Hide'",
    }),
  ],
  count(r) {
    if (r.string('type') !== 'Hide') return [];
    return [
      {
        entityType: 'Article',
        entityId: r.int('articleId'),
        metricType: 'hideCount',
        value: 1,
        userId: r.int('userId'),
      },
    ];
  },
});
