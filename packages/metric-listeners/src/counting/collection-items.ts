import { collectionLookupToken } from '../lookups/lookup-tokens.js';
import { requireRelated } from '../lookups/require-related.js';
import { defineMetricListener } from './define-metric-listener.js';
import type { Contribution, EntityType, MetricMove } from './metric-move.js';
import { postgresTruth } from './truth-sql.js';

/** One kind of collected thing: the entity, the CollectionItem column naming it, whether it has favorites. */
export interface CollectedTarget {
  entity: EntityType;
  column: 'modelId' | 'modelVersionId' | 'imageId' | 'postId' | 'articleId';
  favorites: boolean;
}

/**
 * CollectionItem rows → `collectedCount` of the collected entity, or its `favoriteCount` when the
 * collection is a Bookmark collection (a user's favorites). Bookmarked entities without a favorite
 * metric (images, posts) count for neither.
 */
export function collectionItemsListener(id: string, targets: readonly CollectedTarget[]) {
  const moves: MetricMove[] = targets.flatMap((t) => [
    {
      entity: t.entity,
      metrics: ['collectedCount'],
      note: `items with ${t.column}, not in a Bookmark collection`,
    },
    ...(t.favorites
      ? [
          {
            entity: t.entity,
            metrics: ['favoriteCount'],
            note: `items with ${t.column} in a Bookmark collection`,
          },
        ]
      : []),
  ]);
  return defineMetricListener({
    id,
    table: 'CollectionItem',
    ops: ['c', 'u', 'd'],
    moves,
    deps: { collections: collectionLookupToken },
    related: {
      collections: (r) => (targets.some((t) => !r.isNull(t.column)) ? r.int('collectionId') : null),
    },
    truth: targets.map((t) =>
      postgresTruth({
        entity: t.entity,
        metrics: t.favorites ? ['collectedCount', 'favoriteCount'] : 'collectedCount',
        from: '"CollectionItem" x JOIN "Collection" c ON c.id = x."collectionId"',
        entityId: `x."${t.column}"`,
        metricType: t.favorites
          ? `CASE WHEN c.mode = 'Bookmark' THEN 'favoriteCount' ELSE 'collectedCount' END`
          : undefined,
        where: t.favorites ? undefined : `c.mode IS DISTINCT FROM 'Bookmark'`,
      }),
    ),
    async count(r, { collections }) {
      const present = targets.filter((t) => !r.isNull(t.column));
      if (present.length === 0) return [];
      const { mode } = await requireRelated(collections, r.int('collectionId'), 'Collection');
      const bookmark = mode === 'Bookmark';
      const userId = r.isNull('addedById') ? 0 : r.int('addedById');
      const out: Contribution[] = [];
      for (const t of present) {
        if (bookmark && !t.favorites) continue;
        out.push({
          entityType: t.entity,
          entityId: r.int(t.column),
          metricType: bookmark ? 'favoriteCount' : 'collectedCount',
          value: 1,
          userId,
        });
      }
      return out;
    },
  });
}
