import { defineMetricListener } from '../counting/define-metric-listener.js';
import { postgresTruth } from '../counting/truth-sql.js';

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
  truth: [
    postgresTruth({
      entity: 'Bounty',
      metrics: ['favoriteCount', 'trackCount'],
      from: '"BountyEngagement" x',
      entityId: 'x."bountyId"',
      metricType: `CASE x.type WHEN 'Favorite' THEN 'favoriteCount' ELSE 'trackCount' END`,
      where: "x.type IN ('Favorite', 'Track')",
    }),
  ],
  count(r) {
    const metricType = METRIC_OF[r.string('type')];
    if (!metricType) return [];
    return [
      { entityType: 'Bounty', entityId: r.int('bountyId'), metricType, value: 1, userId: r.int('userId') },
    ];
  },
});
