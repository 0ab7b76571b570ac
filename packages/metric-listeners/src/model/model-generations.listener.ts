import { orchestrationJobs } from '@engagement/app-db/clickhouse';
import type { RowReader } from '@engagement/plugin-api';
import { defineMetricListener } from '../counting/define-metric-listener.js';
import type { Contribution } from '../counting/metric-move.js';
import { clickhouseTruth, MODEL_OF_VERSION_SQL } from '../counting/truth-sql.js';
import { MetricListenerError } from '../errors.js';
import { modelVersionLookupToken } from '../lookups/lookup-tokens.js';
import { requireRelated } from '../lookups/require-related.js';

/** The distinct model version ids a job used. */
function resourcesUsed(r: RowReader): number[] {
  const value = r.raw('resourcesUsed');
  if (!Array.isArray(value) || !value.every((id) => Number.isSafeInteger(Number(id)))) {
    throw new MetricListenerError(
      'ML_UNKNOWN_VALUE',
      `resourcesUsed is not a list of ids: ${JSON.stringify(value)}`,
    );
  }
  return [...new Set(value.map(Number))];
}

/**
 * ClickHouse generation jobs → generationCount of every version the job used, and of each of their
 * models once (a job using two versions of one model is one generation of that model).
 */
export const modelGenerations = defineMetricListener({
  id: 'model.generations',
  source: 'clickhouse',
  table: orchestrationJobs.table,
  ops: ['c'],
  createdAtColumn: orchestrationJobs.timestampColumn,
  moves: [
    { entity: 'ModelVersion', metrics: ['generationCount'], note: 'each version in resourcesUsed' },
    { entity: 'Model', metrics: ['generationCount'], note: 'each distinct model of those versions' },
  ],
  deps: { versions: modelVersionLookupToken },
  related: { versions: resourcesUsed },
  truth: [
    clickhouseTruth({
      entity: 'ModelVersion',
      metrics: 'generationCount',
      sql: `SELECT toInt64(v) AS entityId, 'generationCount' AS metricType,
  toUnixTimestamp64Milli(createdAt) AS createdAtMs, count() AS value
FROM ${orchestrationJobs.table} ARRAY JOIN arrayDistinct(resourcesUsed) AS v
WHERE toInt64(v) IN {ids:Array(Int64)} AND createdAt < fromUnixTimestamp64Milli({before:Int64}, 'UTC')
GROUP BY entityId, createdAtMs`,
    }),
    clickhouseTruth({
      entity: 'Model',
      metrics: 'generationCount',
      sql: `SELECT m AS entityId, 'generationCount' AS metricType,
  toUnixTimestamp64Milli(createdAt) AS createdAtMs, count() AS value
FROM ${orchestrationJobs.table}
  ARRAY JOIN arrayDistinct(arrayMap(v -> {modelOf:Map(Int64, Int64)}[toInt64(v)], resourcesUsed)) AS m
WHERE m IN {ids:Array(Int64)} AND createdAt < fromUnixTimestamp64Milli({before:Int64}, 'UTC')
GROUP BY entityId, createdAtMs`,
      lookups: { modelOf: MODEL_OF_VERSION_SQL },
    }),
  ],
  async count(r, { versions }) {
    const userId = r.int('userId');
    const out: Contribution[] = [];
    const models = new Set<number>();
    for (const versionId of resourcesUsed(r)) {
      out.push({
        entityType: 'ModelVersion',
        entityId: versionId,
        metricType: 'generationCount',
        value: 1,
        userId,
      });
      models.add((await requireRelated(versions, versionId, 'ModelVersion')).modelId);
    }
    for (const modelId of models) {
      out.push({ entityType: 'Model', entityId: modelId, metricType: 'generationCount', value: 1, userId });
    }
    return out;
  },
});
