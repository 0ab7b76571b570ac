import type { EntityMetricEvent } from '@engagement/plugin-api';

/**
 * Records stored metric events the way the ClickHouse table reads them: one row per event id (a replayed
 * event replaces its earlier copy, as ReplacingMergeTree with FINAL does).
 */
export class InMemoryMetricStore {
  private readonly byId = new Map<string, EntityMetricEvent>();
  /** Every insert call's rows, duplicates included, in order. */
  readonly inserts: EntityMetricEvent[][] = [];

  async insert(events: readonly EntityMetricEvent[]): Promise<void> {
    this.inserts.push([...events]);
    for (const e of events) this.byId.set(e.eventId, e);
  }

  /** Distinct stored events. */
  get rows(): EntityMetricEvent[] {
    return [...this.byId.values()];
  }

  /** The sum of a metric for one entity (what a read of the table returns). */
  total(entityType: string, entityId: number, metricType: string): number {
    let sum = 0;
    for (const e of this.byId.values()) {
      if (e.entityType === entityType && e.entityId === entityId && e.metricType === metricType)
        sum += e.metricValue;
    }
    return sum;
  }

  /** All totals as `entityType:entityId:metricType` → sum, for whole-state assertions. */
  totals(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.byId.values()) {
      const key = `${e.entityType}:${e.entityId}:${e.metricType}`;
      out[key] = (out[key] ?? 0) + e.metricValue;
    }
    return out;
  }
}
