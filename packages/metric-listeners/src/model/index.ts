import { definePlugin } from '@engagement/plugin-api';
import { modelCollections } from './model-collections.listener.js';
import { modelComments } from './model-comments.listener.js';
import { modelDownloads } from './model-downloads.listener.js';
import { modelEarnings } from './model-earnings.listener.js';
import { modelGenerations } from './model-generations.listener.js';
import { modelImages } from './model-images.listener.js';
import { modelReviews } from './model-reviews.listener.js';
import { modelTips } from './model-tips.listener.js';

/** ModelMetric and ModelVersionMetric, owned by the models team. */
export const modelMetricsPlugin = definePlugin({
  id: 'model-metrics',
  owner: '@team/models',
  listeners: [
    modelReviews,
    modelComments,
    modelCollections,
    modelImages,
    modelTips,
    modelDownloads,
    modelGenerations,
    modelEarnings,
  ],
});
