import { buzzResourceCompensation } from '@engagement/app-db/clickhouse';
import { defineMetricListener } from '../counting/define-metric-listener.js';
import { modelVersionLookupToken } from '../lookups/lookup-tokens.js';
import { requireRelated } from '../lookups/require-related.js';

/** ClickHouse resource compensation rows → earnedAmount (+total buzz) of the version and of its model. */
export const modelEarnings = defineMetricListener({
  id: 'model.earnings',
  source: 'clickhouse',
  table: buzzResourceCompensation.table,
  ops: ['c'],
  createdAtColumn: buzzResourceCompensation.timestampColumn,
  moves: [
    { entity: 'ModelVersion', metrics: ['earnedAmount'], note: 'total of each compensation row' },
    { entity: 'Model', metrics: ['earnedAmount'], note: "total of its versions' rows" },
  ],
  deps: { versions: modelVersionLookupToken },
  related: { versions: (r) => r.int('modelVersionId') },
  async count(r, { versions }) {
    const versionId = r.int('modelVersionId');
    const { modelId } = await requireRelated(versions, versionId, 'ModelVersion');
    const total = r.int('total');
    const userId = r.int('accountId');
    return [
      { entityType: 'ModelVersion', entityId: versionId, metricType: 'earnedAmount', value: total, userId },
      { entityType: 'Model', entityId: modelId, metricType: 'earnedAmount', value: total, userId },
    ];
  },
});
