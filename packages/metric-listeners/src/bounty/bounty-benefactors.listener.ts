import { defineMetricListener } from '../counting/define-metric-listener.js';
import type { Contribution } from '../counting/metric-move.js';
import { postgresTruth } from '../counting/truth-sql.js';

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
  truth: [
    postgresTruth({
      entity: 'Bounty',
      metrics: ['benefactorCount', 'unitAmountCount'],
      from: `"BountyBenefactor" x CROSS JOIN LATERAL (VALUES ('benefactorCount', 1), ('unitAmountCount', x."unitAmount")) AS m("metricType", v)`,
      entityId: 'x."bountyId"',
      metricType: 'm."metricType"',
      value: 'm.v',
    }),
    postgresTruth({
      entity: 'BountyEntry',
      metrics: 'unitAmountCount',
      from: '"BountyBenefactor" x',
      entityId: 'x."awardedToId"',
      value: 'x."unitAmount"',
    }),
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
