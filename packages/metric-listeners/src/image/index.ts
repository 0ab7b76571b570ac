import { definePlugin } from '@engagement/event-bus';
import { imageReactions } from './image-reactions.listener.js';

/** Image metrics, owned by the media team. */
export const imageMetricsPlugin = definePlugin({
  id: 'image-metrics',
  owner: '@team/media',
  listeners: [imageReactions],
});
