import { defineMetricListener } from '../counting/define-metric-listener.js';
import { REACTION_METRIC_NAMES, reactionMetric } from '../counting/reactions.js';
import { postgresTruth, reactionKindsTruth } from '../counting/truth-sql.js';

/**
 * ImageReaction rows → the image's per-kind count and its reactionCount. A reaction changing kind (an
 * update) moves one count to the other; reactionCount stays. The post's and the owner's shares are
 * counted by the post and user plugins.
 */
export const imageReactions = defineMetricListener({
  id: 'image.reactions',
  table: 'ImageReaction',
  ops: ['c', 'u', 'd'],
  moves: [
    { entity: 'Image', metrics: REACTION_METRIC_NAMES, note: 'reactions of that kind' },
    { entity: 'Image', metrics: ['reactionCount'], note: 'reactions of any kind' },
  ],
  truth: [
    reactionKindsTruth('Image', '"ImageReaction" x', 'x."imageId"'),
    postgresTruth({
      entity: 'Image',
      metrics: 'reactionCount',
      from: '"ImageReaction" x',
      entityId: 'x."imageId"',
    }),
  ],
  count(r) {
    const base = {
      entityType: 'Image',
      entityId: r.int('imageId'),
      value: 1,
      userId: r.int('userId'),
    } as const;
    return [
      { ...base, metricType: reactionMetric(r) },
      { ...base, metricType: 'reactionCount' },
    ];
  },
});
