import { defineMetricListener } from '../counting/define-metric-listener.js';
import { REACTION_METRIC_NAMES, reactionMetric } from '../counting/reactions.js';
import { reactionKindsTruth } from '../counting/truth-sql.js';
import { imageLookupToken } from '../lookups/lookup-tokens.js';
import { requireRelated } from '../lookups/require-related.js';

/**
 * ImageReaction rows → the per-kind count of the post the image belongs to (none before it is posted).
 * The post is read when the change is processed, and the image may have moved since the reaction was
 * counted (on another partition): a removal would then be taken from a post that never counted it. So only
 * increases are deltas; a removal touches the post, whose counts the host then recomputes from the source
 * (docs/architecture.md, "Recompute on touch"), and no post reads below zero.
 */
export const postReactions = defineMetricListener({
  id: 'post.reactions',
  table: 'ImageReaction',
  ops: ['c', 'u', 'd'],
  moves: [
    {
      entity: 'Post',
      metrics: REACTION_METRIC_NAMES,
      kept: 'increases',
      note: "reactions on the post's images; a removal is recomputed",
    },
  ],
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
