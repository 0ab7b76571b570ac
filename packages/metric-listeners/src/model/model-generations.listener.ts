import { orchestrationJobs } from '@engagement/app-db/clickhouse';
import type { RowReader } from '@engagement/event-bus';
import { defineMetricListener } from '../counting/define-metric-listener.js';
import type { Contribution } from '../counting/metric-move.js';
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
