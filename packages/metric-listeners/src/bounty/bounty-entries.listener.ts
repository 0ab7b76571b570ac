import { defineMetricListener } from '../counting/define-metric-listener.js';
import { postgresTruth } from '../counting/truth-sql.js';

/** BountyEntry rows → the bounty's entryCount. */
export const bountyEntries = defineMetricListener({
  id: 'bounty.entries',
  table: 'BountyEntry',
  ops: ['c', 'u', 'd'],
  moves: [{ entity: 'Bounty', metrics: ['entryCount'], note: 'every entry' }],
  truth: [
    postgresTruth({
      entity: 'Bounty',
      metrics: 'entryCount',
      from: '"BountyEntry" x',
      entityId: 'x."bountyId"',
    }),
  ],
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
