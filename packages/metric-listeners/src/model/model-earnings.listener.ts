import { buzzResourceCompensation } from '@engagement/app-db/clickhouse';
import { defineMetricListener } from '../counting/define-metric-listener.js';
import { clickhouseTruth, MODEL_OF_VERSION_SQL } from '../counting/truth-sql.js';
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
  truth: [
    clickhouseTruth({
      entity: 'ModelVersion',
      metrics: 'earnedAmount',
      sql: `SELECT modelVersionId AS entityId, 'earnedAmount' AS metricType,
  toUnixTimestamp64Milli(createdAt) AS createdAtMs, sum(total) AS value
FROM ${buzzResourceCompensation.table}
WHERE modelVersionId IN {ids:Array(Int64)} AND createdAt < fromUnixTimestamp64Milli({before:Int64}, 'UTC')
GROUP BY entityId, createdAtMs`,
    }),
    clickhouseTruth({
      entity: 'Model',
      metrics: 'earnedAmount',
      sql: `SELECT {modelOf:Map(Int64, Int64)}[toInt64(modelVersionId)] AS entityId, 'earnedAmount' AS metricType,
  toUnixTimestamp64Milli(createdAt) AS createdAtMs, sum(total) AS value
FROM ${buzzResourceCompensation.table}
WHERE mapContains({modelOf:Map(Int64, Int64)}, toInt64(modelVersionId))
  AND createdAt < fromUnixTimestamp64Milli({before:Int64}, 'UTC')
GROUP BY entityId, createdAtMs`,
      lookups: { modelOf: MODEL_OF_VERSION_SQL },
    }),
  ],
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
