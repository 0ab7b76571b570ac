import { modelVersionEvents } from '@engagement/app-db/clickhouse';
import { defineMetricListener } from '../counting/define-metric-listener.js';

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
