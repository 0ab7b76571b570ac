import { defineMetricListener } from '../counting/define-metric-listener.js';
import { postgresTruth } from '../counting/truth-sql.js';
import { modelVersionLookupToken } from '../lookups/lookup-tokens.js';
import { requireRelated } from '../lookups/require-related.js';

/** ImageResource rows (an image made with a version) → imageCount of the version and of its model. */
export const modelImages = defineMetricListener({
  id: 'model.images',
  table: 'ImageResource',
  ops: ['c', 'u', 'd'],
  moves: [
    { entity: 'ModelVersion', metrics: ['imageCount'], note: 'images made with the version' },
    { entity: 'Model', metrics: ['imageCount'], note: 'images made with any of its versions' },
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
    postgresTruth({
      entity: 'Model',
      metrics: 'imageCount',
      from: '"ImageResource" x JOIN "ModelVersion" v ON v.id = x."modelVersionId"',
      entityId: 'v."modelId"',
    }),
  ],
  async count(r, { versions }) {
    const versionId = r.int('modelVersionId');
    const { modelId } = await requireRelated(versions, versionId, 'ModelVersion');
    return [
      { entityType: 'ModelVersion', entityId: versionId, metricType: 'imageCount', value: 1 },
      { entityType: 'Model', entityId: modelId, metricType: 'imageCount', value: 1 },
    ];
  },
});
