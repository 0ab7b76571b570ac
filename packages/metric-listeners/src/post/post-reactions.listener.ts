import { defineMetricListener } from '../counting/define-metric-listener.js';
import { REACTION_METRIC_NAMES, reactionMetric } from '../counting/reactions.js';
import { reactionKindsTruth } from '../counting/truth-sql.js';
import { imageLookupToken } from '../lookups/lookup-tokens.js';
import { requireRelated } from '../lookups/require-related.js';

/** ImageReaction rows → the per-kind count of the post the image belongs to (none before it is posted). */
export const postReactions = defineMetricListener({
  id: 'post.reactions',
  table: 'ImageReaction',
  ops: ['c', 'u', 'd'],
  moves: [{ entity: 'Post', metrics: REACTION_METRIC_NAMES, note: "reactions on the post's images" }],
  deps: { images: imageLookupToken },
  related: { images: (r) => r.int('imageId') },
  truth: [reactionKindsTruth('Post', '"ImageReaction" x JOIN "Image" i ON i.id = x."imageId"', 'i."postId"')],
  async count(r, { images }) {
    const { postId } = await requireRelated(images, r.int('imageId'), 'Image');
    if (postId === null) return [];
    return [
      {
        entityType: 'Post',
        entityId: postId,
        metricType: reactionMetric(r),
        value: 1,
        userId: r.int('userId'),
      },
    ];
  },
});
