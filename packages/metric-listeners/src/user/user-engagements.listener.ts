import { engagementsListener } from '../counting/engagements.js';

/**
 * UserEngagement rows → follows and hides. A Follow counts for the follower (followingCount) and the
 * followed (followerCount); a Hide counts for the hidden user (hiddenCount); a Block for nothing. An
 * engagement changing kind in place (an update) moves the difference.
 */
export const userEngagements = engagementsListener({
  id: 'user.engagements',
  table: 'UserEngagement',
  entity: 'User',
  columns: [
    { column: 'userId', metrics: { Follow: 'followingCount' } },
    { column: 'targetUserId', metrics: { Follow: 'followerCount', Hide: 'hiddenCount' } },
  ],
});
