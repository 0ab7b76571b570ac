import { defineMetricListener } from '../counting/define-metric-listener.js';
import type { Contribution } from '../counting/metric-move.js';

/**
 * BountyBenefactor rows → the bounty's benefactorCount and unitAmountCount (every backer and amount), and,
 * once the bounty is awarded (`awardedToId` set by an update), the winning entry's unitAmountCount.
 * Changing an amount or the awarded entry moves the difference.
 */
export const bountyBenefactors = defineMetricListener({
  id: 'bounty.benefactors',
  table: 'BountyBenefactor',
  ops: ['c', 'u', 'd'],
  moves: [
    { entity: 'Bounty', metrics: ['benefactorCount'], note: 'every benefactor' },
    { entity: 'Bounty', metrics: ['unitAmountCount'], note: 'sum of every unitAmount' },
    {
      entity: 'BountyEntry',
      metrics: ['unitAmountCount'],
      note: 'amounts awarded to the entry (awardedToId)',
    },
  ],
  count(r): Contribution[] {
    const userId = r.int('userId');
    const bountyId = r.int('bountyId');
    const amount = r.int('unitAmount');
    const out: Contribution[] = [
      { entityType: 'Bounty', entityId: bountyId, metricType: 'benefactorCount', value: 1, userId },
      { entityType: 'Bounty', entityId: bountyId, metricType: 'unitAmountCount', value: amount, userId },
    ];
    if (!r.isNull('awardedToId')) {
      out.push({
        entityType: 'BountyEntry',
        entityId: r.int('awardedToId'),
        metricType: 'unitAmountCount',
        value: amount,
        userId,
      });
    }
    return out;
  },
});
