import { definePlugin } from '@engagement/plugin-api';
import { articleCollections } from './article-collections.listener.js';
import { articleComments } from './article-comments.listener.js';
import { articleEngagements } from './article-engagements.listener.js';
import { articleReactions } from './article-reactions.listener.js';
import { articleTips } from './article-tips.listener.js';

/** ArticleMetric, owned by the articles team. */
export const articleMetricsPlugin = definePlugin({
  id: 'article-metrics',
  owner: '@team/articles',
  listeners: [articleReactions, articleComments, articleCollections, articleEngagements, articleTips],
});
