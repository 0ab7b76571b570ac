import { defineMetricListener } from '../counting/define-metric-listener.js';
import { postgresTruth } from '../counting/truth-sql.js';
import { imageLookupToken } from '../lookups/lookup-tokens.js';
import { requireRelated } from '../lookups/require-related.js';

/** ImageReaction rows → reactionCount of the image's owner (reactions received, of any kind). */
export const userReactions = defineMetricListener({
  id: 'user.reactions',
  table: 'ImageReaction',
  ops: ['c', 'u', 'd'],
  moves: [{ entity: 'User', metrics: ['reactionCount'], note: "the image owner's reactions received" }],
  deps: { images: imageLookupToken },
  related: { images: (r) => r.int('imageId') },
  truth: [
    postgresTruth({
      entity: 'User',
      metrics: 'reactionCount',
      from: '"ImageReaction" x JOIN "Image" i ON i.id = x."imageId"',
      entityId: 'i."userId"',
    }),
  ],
  async count(r, { images }) {
    const image = await requireRelated(images, r.int('imageId'), 'Image');
    return [
      {
        entityType: 'User',
        entityId: image.userId,
        metricType: 'reactionCount',
        value: 1,
        userId: r.int('userId'),
      },
    ];
  },
});
