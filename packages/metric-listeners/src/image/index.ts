import { definePlugin } from '@engagement/plugin-api';
import { imageCollections } from './image-collections.listener.js';
import { imageComments } from './image-comments.listener.js';
import { imageReactions } from './image-reactions.listener.js';
import { imageTips } from './image-tips.listener.js';

/** ImageMetric, owned by the media team. */
export const imageMetricsPlugin = definePlugin({
  id: 'image-metrics',
  owner: '@team/media',
  listeners: [imageReactions, imageComments, imageCollections, imageTips],
});
