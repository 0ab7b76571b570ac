import { reactionsListener } from '../counting/reactions.js';

/**
 * ImageReaction rows → the image's per-kind count and its reactionCount. A reaction changing kind (an
 * update) moves one count to the other; reactionCount stays. The post's and the owner's shares are
 * counted by the post and user plugins.
 */
export const imageReactions = reactionsListener({
  id: 'image.reactions',
  table: 'ImageReaction',
  entity: 'Image',
  column: 'imageId',
  reactionCount: true,
});
