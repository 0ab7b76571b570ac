import { defineMetricListener } from '../counting/define-metric-listener.js';
import { postgresTruth } from '../counting/truth-sql.js';

/** CollectionItem rows → the collection's itemCount (every item, whatever it holds). */
export const collectionItems = defineMetricListener({
  id: 'collection.items',
  table: 'CollectionItem',
  ops: ['c', 'u', 'd'],
  moves: [{ entity: 'Collection', metrics: ['itemCount'], note: 'every item, bookmarks included' }],
  truth: [
    postgresTruth({
      entity: 'Collection',
      metrics: 'itemCount',
      from: '"CollectionItem" x',
      entityId: 'x."collectionId"',
    }),
  ],
  count: (r) => [
    {
      entityType: 'Collection',
      entityId: r.int('collectionId'),
      metricType: 'itemCount',
      value: 1,
      userId: r.isNull('addedById') ? 0 : r.int('addedById'),
    },
  ],
});
