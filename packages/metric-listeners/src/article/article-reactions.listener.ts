import { defineMetricListener } from '../counting/define-metric-listener.js';
import { REACTION_METRIC_NAMES, reactionMetric } from '../counting/reactions.js';
import { reactionKindsTruth } from '../counting/truth-sql.js';

/** ArticleReaction rows → the article's per-kind count; a kind change moves one count to the other. */
export const articleReactions = defineMetricListener({
  id: 'article.reactions',
  table: 'ArticleReaction',
  ops: ['c', 'u', 'd'],
  moves: [{ entity: 'Article', metrics: REACTION_METRIC_NAMES, note: 'reactions of that kind' }],
  truth: [reactionKindsTruth('Article', '"ArticleReaction" x', 'x."articleId"')],
  count: (r) => [
    {
      entityType: 'Article',
      entityId: r.int('articleId'),
      metricType: reactionMetric(r),
      value: 1,
      userId: r.int('userId'),
    },
  ],
});
