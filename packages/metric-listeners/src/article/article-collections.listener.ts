import { collectionItemsListener } from '../counting/collection-items.js';

/** CollectionItem rows naming an article → its favoriteCount (Bookmark collections) or collectedCount. */
export const articleCollections = collectionItemsListener('article.collections', [
  { entity: 'Article', column: 'articleId', favorites: true },
]);
