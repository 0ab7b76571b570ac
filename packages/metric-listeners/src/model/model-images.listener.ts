import { defineMetricListener } from '../counting/define-metric-listener.js';
import { postgresTruth } from '../counting/truth-sql.js';
import { modelVersionLookupToken } from '../lookups/lookup-tokens.js';
import { requireRelated } from '../lookups/require-related.js';

/**
 * ImageResource rows (an image made with a version) → imageCount of the version (one per row), and a touch
 * of its model, whose imageCount counts distinct images over all its versions: whether a row adds an image
 * to the model depends on the image's other rows, which change on other partitions, so the model's count is
 * recomputed from the source (docs/architecture.md, "Recompute on touch").
 */
export const modelImages = defineMetricListener({
  id: 'model.images',
  table: 'ImageResource',
  ops: ['c', 'u', 'd'],
  moves: [
    { entity: 'ModelVersion', metrics: ['imageCount'], note: 'images made with the version' },
    {
      entity: 'Model',
      metrics: ['imageCount'],
      kept: 'recompute',
      note: 'distinct images made with any of its versions, recomputed when one is added or removed',
    },
  ],
  deps: { versions: modelVersionLookupToken },
  related: { versions: (r) => r.int('modelVersionId') },
  truth: [
    postgresTruth({
      entity: 'ModelVersion',
      metrics: 'imageCount',
      from: '"ImageResource" x',
      entityId: 'x."modelVersionId"',
    }),
    // One per image, dated by the image's first resource row of the model (see SEMANTICS).
    postgresTruth({
      entity: 'Model',
      metrics: 'imageCount',
      from: `(SELECT v."modelId", r."imageId", min(r."createdAt") AS "createdAt"
  FROM "ImageResource" r JOIN "ModelVersion" v ON v.id = r."modelVersionId" GROUP BY 1, 2) x`,
      entityId: 'x."modelId"',
    }),
  ],
  count: (r) => [
    { entityType: 'ModelVersion', entityId: r.int('modelVersionId'), metricType: 'imageCount', value: 1 },
  ],
  async touches(r, { versions }) {
    const { modelId } = await requireRelated(versions, r.int('modelVersionId'), 'ModelVersion');
    return [{ entityType: 'Model', entityId: modelId }];
  },
});
