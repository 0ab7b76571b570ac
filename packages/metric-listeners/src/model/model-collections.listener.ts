import { collectionItemsListener } from '../counting/collection-items.js';

/**
 * CollectionItem rows naming a model (and, when saved from a version page, the version) → their
 * favoriteCount (Bookmark collections) or collectedCount (any other collection).
 */
export const modelCollections = collectionItemsListener('model.collections', [
  { entity: 'Model', column: 'modelId', favorites: true },
  { entity: 'ModelVersion', column: 'modelVersionId', favorites: true },
]);
