import { engagementsListener } from '../counting/engagements.js';

/**
 * ArticleEngagement rows → the article's hideCount (Hide engagements). Favorites are collection items in
 * the mapping, so Favorite engagements count for nothing here; switching kind moves the difference.
 */
export const articleEngagements = engagementsListener({
  id: 'article.engagements',
  table: 'ArticleEngagement',
  entity: 'Article',
  columns: [{ column: 'articleId', metrics: { Hide: 'hideCount' } }],
});
