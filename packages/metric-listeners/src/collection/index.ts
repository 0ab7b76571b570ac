import { definePlugin } from '@engagement/plugin-api';
import { collectionContributors } from './collection-contributors.listener.js';
import { collectionItems } from './collection-items.listener.js';

/** CollectionMetric, owned by the collections team. */
export const collectionMetricsPlugin = definePlugin({
  id: 'collection-metrics',
  owner: '@team/collections',
  listeners: [collectionItems, collectionContributors],
});
