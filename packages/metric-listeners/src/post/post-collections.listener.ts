import { collectionItemsListener } from '../counting/collection-items.js';

/** CollectionItem rows naming a post → the post's collectedCount. */
export const postCollections = collectionItemsListener('post.collections', [
  { entity: 'Post', column: 'postId', favorites: false },
]);
