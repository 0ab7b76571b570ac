import { defineMetricListener } from '../counting/define-metric-listener.js';

const METRIC_OF: Readonly<Record<string, string>> = { Favorite: 'favoriteCount', Track: 'trackCount' };

/** BountyEngagement rows → the bounty's favoriteCount (Favorite) or trackCount (Track). */
export const bountyEngagements = defineMetricListener({
  id: 'bounty.engagements',
  table: 'BountyEngagement',
  ops: ['c', 'u', 'd'],
  moves: [
    { entity: 'Bounty', metrics: ['favoriteCount'], note: 'Favorite engagements' },
    { entity: 'Bounty', metrics: ['trackCount'], note: 'Track engagements' },
  ],
  count(r) {
    const metricType = METRIC_OF[r.string('type')];
    if (!metricType) return [];
    return [
      { entityType: 'Bounty', entityId: r.int('bountyId'), metricType, value: 1, userId: r.int('userId') },
    ];
  },
});
