import { reactionsListener } from '../counting/reactions.js';

/** ArticleReaction rows → the article's per-kind count; a kind change moves one count to the other. */
export const articleReactions = reactionsListener({
  id: 'article.reactions',
  table: 'ArticleReaction',
  entity: 'Article',
  column: 'articleId',
});
