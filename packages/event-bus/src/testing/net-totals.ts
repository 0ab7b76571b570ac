import type { EntityMetricEvent } from '@engagement/plugin-api';

/**
 * The net of metric events per `Entity:id:metric`, zeros dropped: what a reader would see change.
 * `{ 'Image:7:likeCount': 1 }` after a like's create, `{}` once its delete took it back.
 */
export function netTotals(events: readonly EntityMetricEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) {
    const key = `${e.entityType}:${e.entityId}:${e.metricType}`;
    out[key] = (out[key] ?? 0) + e.metricValue;
    if (out[key] === 0) delete out[key];
  }
  return out;
}
