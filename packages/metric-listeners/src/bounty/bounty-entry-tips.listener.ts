import { TIP_METRICS, tipContributions, tippedEntity } from '../counting/buzz-tips.js';
import { defineMetricListener } from '../counting/define-metric-listener.js';
import { tipsTruth } from '../counting/truth-sql.js';

/** BuzzTip rows on a bounty entry → its tippedCount and tippedAmountCount. */
export const bountyEntryTips = defineMetricListener({
  id: 'bounty.entry-tips',
  table: 'BuzzTip',
  ops: ['c', 'u', 'd'],
  moves: [{ entity: 'BountyEntry', metrics: TIP_METRICS, note: 'tips with entityType BountyEntry' }],
  truth: [tipsTruth('BountyEntry')],
  count(r) {
    const tipped = tippedEntity(r);
    return tipped?.type === 'BountyEntry' ? tipContributions('BountyEntry', tipped.id, r) : [];
  },
});
