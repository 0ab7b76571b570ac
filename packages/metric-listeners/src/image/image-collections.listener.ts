import { collectionItemsListener } from '../counting/collection-items.js';

/** CollectionItem rows naming an image → the image's collectedCount. */
export const imageCollections = collectionItemsListener('image.collections', [
  { entity: 'Image', column: 'imageId', favorites: false },
]);
