import { defineMetricListener } from '../counting/define-metric-listener.js';
import { postgresTruth } from '../counting/truth-sql.js';
import { modelLookupToken } from '../lookups/lookup-tokens.js';
import { requireRelated } from '../lookups/require-related.js';

/**
 * ModelVersion rows → uploadCount of the model's owner, for published versions only: publishing or
 * unpublishing (a status update) moves it like a create or a delete.
 */
export const userUploads = defineMetricListener({
  id: 'user.uploads',
  table: 'ModelVersion',
  ops: ['c', 'u', 'd'],
  moves: [{ entity: 'User', metrics: ['uploadCount'], note: "published versions, for the model's owner" }],
  deps: { models: modelLookupToken },
  related: { models: (r) => r.int('modelId') },
  truth: [
    postgresTruth({
      entity: 'User',
      metrics: 'uploadCount',
      from: '"ModelVersion" x JOIN "Model" m ON m.id = x."modelId"',
      entityId: 'm."userId"',
      where: "x.status = 'Published'",
    }),
  ],
  async count(r, { models }) {
    if (r.string('status') !== 'Published') return [];
    const model = await requireRelated(models, r.int('modelId'), 'Model');
    return [
      {
        entityType: 'User',
        entityId: model.userId,
        metricType: 'uploadCount',
        value: 1,
        userId: model.userId,
      },
    ];
  },
});
