import { defineMetricListener } from '../counting/define-metric-listener.js';
import { REACTION_METRIC_NAMES } from '../counting/reactions.js';
import { reactionKindsTruth } from '../counting/truth-sql.js';

/**
 * Image rows → a touch of the posts an image leaves and joins, whose reaction counts are then recomputed
 * from the source. `post.reactions` attributes each reaction change to the image's post when it is
 * processed; a move between the change and its processing, on another partition, puts it on the wrong
 * post, and only a count from one snapshot can tell. Why touching on moves alone is exact:
 * docs/architecture.md, "Recompute on touch".
 */
export const postImageMoves = defineMetricListener({
  id: 'post.image-moves',
  table: 'Image',
  ops: ['u'],
  moves: [
    {
      entity: 'Post',
      metrics: REACTION_METRIC_NAMES,
      kept: 'recompute',
      note: 'recomputed for the old and the new post when an image moves',
    },
  ],
  // The same truth as post.reactions: planned once, both keep it.
  truth: [reactionKindsTruth('Post', '"ImageReaction" x JOIN "Image" i ON i.id = x."imageId"', 'i."postId"')],
  count: () => [],
  touches: (r) => (r.isNull('postId') ? [] : [{ entityType: 'Post', entityId: r.int('postId') }]),
});
