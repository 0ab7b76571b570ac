import { defineMetricListener } from '../counting/define-metric-listener.js';

/** BountyEntry rows → the bounty's entryCount. */
export const bountyEntries = defineMetricListener({
  id: 'bounty.entries',
  table: 'BountyEntry',
  ops: ['c', 'd'],
  moves: [{ entity: 'Bounty', metrics: ['entryCount'], note: 'every entry' }],
  count: (r) => [
    {
      entityType: 'Bounty',
      entityId: r.int('bountyId'),
      metricType: 'entryCount',
      value: 1,
      userId: r.int('userId'),
    },
  ],
});
