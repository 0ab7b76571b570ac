import { definePlugin } from '@engagement/plugin-api';
import { tagArticles, tagImages, tagModels, tagPosts } from './tag-attachments.listeners.js';
import { tagEngagements } from './tag-engagements.listener.js';

/** TagMetric, owned by the discovery team. */
export const tagMetricsPlugin = definePlugin({
  id: 'tag-metrics',
  owner: '@team/discovery',
  listeners: [tagModels, tagImages, tagPosts, tagArticles, tagEngagements],
});
