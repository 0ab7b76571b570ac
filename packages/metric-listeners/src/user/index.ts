import { definePlugin } from '@engagement/plugin-api';
import { userEngagements } from './user-engagements.listener.js';
import { userReactions } from './user-reactions.listener.js';
import { userReviews } from './user-reviews.listener.js';
import { userUploads } from './user-uploads.listener.js';

/** UserMetric, owned by the community team. */
export const userMetricsPlugin = definePlugin({
  id: 'user-metrics',
  owner: '@team/community',
  listeners: [userEngagements, userReactions, userUploads, userReviews],
});
