import { modelVersionEvents } from '@engagement/app-db/clickhouse';
import { defineMetricListener } from '../counting/define-metric-listener.js';
import { clickhouseTruth } from '../counting/truth-sql.js';

/** ClickHouse model-version events of type Download → downloadCount of the version and of its model. */
export const modelDownloads = defineMetricListener({
  id: 'model.downloads',
  source: 'clickhouse',
  table: modelVersionEvents.table,
  ops: ['c'],
  createdAtColumn: modelVersionEvents.timestampColumn,
  moves: [
    { entity: 'ModelVersion', metrics: ['downloadCount'], note: "events with type 'Download'" },
    { entity: 'Model', metrics: ['downloadCount'], note: "events with type 'Download' (modelId of the row)" },
  ],
  truth: (['modelVersionId', 'modelId'] as const).map((column) =>
    clickhouseTruth({
      entity: column === 'modelId' ? 'Model' : 'ModelVersion',
      metrics: 'downloadCount',
      sql: `SELECT ${column} AS entityId, 'downloadCount' AS metricType, toUnixTimestamp64Milli(time) AS createdAtMs,
  count() AS value
FROM ${modelVersionEvents.table}
WHERE type = 'Download' AND ${column} IN {ids:Array(Int64)} AND time < fromUnixTimestamp64Milli({before:Int64}, 'UTC')
GROUP BY entityId, createdAtMs`,
    }),
  ),
  count(r) {
    if (r.string('type') !== 'Download') return [];
    const userId = r.int('userId');
    return [
      {
        entityType: 'ModelVersion',
        entityId: r.int('modelVersionId'),
        metricType: 'downloadCount',
        value: 1,
        userId,
      },
      { entityType: 'Model', entityId: r.int('modelId'), metricType: 'downloadCount', value: 1, userId },
    ];
  },
});
