import { defineMetricListener } from '../counting/define-metric-listener.js';
import type { Contribution } from '../counting/metric-move.js';
import { postgresTruth } from '../counting/truth-sql.js';

/**
 * UserEngagement rows → follows and hides. A Follow counts for the follower (followingCount) and the
 * followed (followerCount); a Hide counts for the hidden user (hiddenCount); a Block for nothing. An
 * engagement changing kind in place (an update) moves the difference.
 */
export const userEngagements = defineMetricListener({
  id: 'user.engagements',
  table: 'UserEngagement',
  ops: ['c', 'u', 'd'],
  moves: [
    { entity: 'User', metrics: ['followingCount'], note: 'Follow engagements, for userId' },
    { entity: 'User', metrics: ['followerCount'], note: 'Follow engagements, for targetUserId' },
    { entity: 'User', metrics: ['hiddenCount'], note: 'Hide engagements, for targetUserId' },
  ],
  truth: [
    postgresTruth({
      entity: 'User',
      metrics: 'followingCount',
      from: '"UserEngagement" x',
      entityId: 'x."userId"',
      where: "x.type = 'Follow'",
    }),
    postgresTruth({
      entity: 'User',
      metrics: ['followerCount', 'hiddenCount'],
      from: '"UserEngagement" x',
      entityId: 'x."targetUserId"',
      metricType: `CASE x.type WHEN 'Follow' THEN 'followerCount' ELSE 'hiddenCount' END`,
      where: "x.type IN ('Follow', 'Hide')",
    }),
  ],
  count(r): Contribution[] {
    const userId = r.int('userId');
    const targetUserId = r.int('targetUserId');
    switch (r.string('type')) {
      case 'Follow':
        return [
          { entityType: 'User', entityId: userId, metricType: 'followingCount', value: 1, userId },
          { entityType: 'User', entityId: targetUserId, metricType: 'followerCount', value: 1, userId },
        ];
      case 'Hide':
        return [{ entityType: 'User', entityId: targetUserId, metricType: 'hiddenCount', value: 1, userId }];
      default:
        return [];
    }
  },
});
