import { defineMetricListener } from '../counting/define-metric-listener.js';
import type { Contribution } from '../counting/metric-move.js';
import { postgresTruth } from '../counting/truth-sql.js';
import { MetricListenerError } from '../errors.js';

/**
 * CollectionContributor rows → followerCount (users with VIEW) and contributorCount (users with ADD).
 * Granting or revoking a permission updates the row in place and moves the difference.
 */
export const collectionContributors = defineMetricListener({
  id: 'collection.contributors',
  table: 'CollectionContributor',
  ops: ['c', 'u', 'd'],
  moves: [
    { entity: 'Collection', metrics: ['followerCount'], note: "contributors with 'VIEW' in permissions" },
    { entity: 'Collection', metrics: ['contributorCount'], note: "contributors with 'ADD' in permissions" },
  ],
  truth: [
    postgresTruth({
      entity: 'Collection',
      metrics: 'followerCount',
      from: '"CollectionContributor" x',
      entityId: 'x."collectionId"',
      where: `'VIEW' = ANY(x.permissions)`,
    }),
    postgresTruth({
      entity: 'Collection',
      metrics: 'contributorCount',
      from: '"CollectionContributor" x',
      entityId: 'x."collectionId"',
      where: `'ADD' = ANY(x.permissions)`,
    }),
  ],
  count(r): Contribution[] {
    const permissions = r.raw('permissions');
    if (!Array.isArray(permissions)) {
      throw new MetricListenerError(
        'ML_UNKNOWN_VALUE',
        `permissions is not an array: ${JSON.stringify(permissions)}`,
      );
    }
    const entityId = r.int('collectionId');
    const userId = r.int('userId');
    const out: Contribution[] = [];
    const add = (metricType: string) =>
      out.push({ entityType: 'Collection', entityId, metricType, value: 1, userId });
    if (permissions.includes('VIEW')) add('followerCount');
    if (permissions.includes('ADD')) add('contributorCount');
    return out;
  },
});
