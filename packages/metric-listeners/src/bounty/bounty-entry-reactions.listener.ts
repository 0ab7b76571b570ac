import { defineMetricListener } from '../counting/define-metric-listener.js';
import { REACTION_METRIC_NAMES, reactionMetric } from '../counting/reactions.js';
import { reactionKindsTruth } from '../counting/truth-sql.js';

/** BountyEntryReaction rows → the entry's per-kind count; a kind change moves one count to the other. */
export const bountyEntryReactions = defineMetricListener({
  id: 'bounty.entry-reactions',
  table: 'BountyEntryReaction',
  ops: ['c', 'u', 'd'],
  moves: [{ entity: 'BountyEntry', metrics: REACTION_METRIC_NAMES, note: 'reactions of that kind' }],
  truth: [reactionKindsTruth('BountyEntry', '"BountyEntryReaction" x', 'x."bountyEntryId"')],
  count: (r) => [
    {
      entityType: 'BountyEntry',
      entityId: r.int('bountyEntryId'),
      metricType: reactionMetric(r),
      value: 1,
      userId: r.int('userId'),
    },
  ],
});
