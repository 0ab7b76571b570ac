import { defineMetricListener } from '../counting/define-metric-listener.js';
import { postgresTruth } from '../counting/truth-sql.js';

const METRIC_OF: Readonly<Record<string, string>> = { Follow: 'followerCount', Hide: 'hiddenCount' };

/** TagEngagement rows → the tag's followerCount (Follow) or hiddenCount (Hide); Allow counts for nothing. */
export const tagEngagements = defineMetricListener({
  id: 'tag.engagements',
  table: 'TagEngagement',
  ops: ['c', 'u', 'd'],
  moves: [
    { entity: 'Tag', metrics: ['hiddenCount'], note: 'Hide engagements' },
    { entity: 'Tag', metrics: ['followerCount'], note: 'Follow engagements' },
  ],
  truth: [
    postgresTruth({
      entity: 'Tag',
      metrics: ['hiddenCount', 'followerCount'],
      from: '"TagEngagement" x',
      entityId: 'x."tagId"',
      metricType: `CASE x.type WHEN 'Hide' THEN 'hiddenCount' ELSE 'followerCount' END`,
      where: "x.type IN ('Hide', 'Follow')",
    }),
  ],
  count(r) {
    const metricType = METRIC_OF[r.string('type')];
    if (!metricType) return [];
    return [{ entityType: 'Tag', entityId: r.int('tagId'), metricType, value: 1, userId: r.int('userId') }];
  },
});
