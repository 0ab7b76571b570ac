import type { EntityMetricEvent } from '@engagement/plugin-api';

/**
 * Records stored metric events the way the ClickHouse table reads them: one row per event id (a replayed
 * event replaces its earlier copy, as ReplacingMergeTree with FINAL does).
 */
export class InMemoryMetricStore {
  private readonly byId = new Map<string, EntityMetricEvent>();
  /** How many of `inserts` are in `byId`: the index is brought up to date when read, not on insert. */
  private indexed = 0;
  /** Every insert call's rows, duplicates included, in order. */
  readonly inserts: EntityMetricEvent[][] = [];

  // Keeping the index on every insert cost the limits bench's phase (c) about a tenth of its main thread
  // (docs/performance-history.md, "Sixteenth session"); reads index the batches inserted since, in order.
  async insert(events: readonly EntityMetricEvent[]): Promise<void> {
    this.inserts.push(events.slice());
  }

  /** Distinct stored events. */
  get rows(): EntityMetricEvent[] {
    return [...this.distinct().values()];
  }

  private distinct(): Map<string, EntityMetricEvent> {
    for (; this.indexed < this.inserts.length; this.indexed++) {
      for (const e of this.inserts[this.indexed]!) this.byId.set(e.eventId, e);
    }
    return this.byId;
  }

  /** The sum of a metric for one entity (what a read of the table returns). */
  total(entityType: string, entityId: number, metricType: string): number {
    let sum = 0;
    for (const e of this.distinct().values()) {
      if (e.entityType === entityType && e.entityId === entityId && e.metricType === metricType)
        sum += e.metricValue;
    }
    return sum;
  }

  /** All totals as `entityType:entityId:metricType` → sum, for whole-state assertions. */
  totals(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.distinct().values()) {
      const key = `${e.entityType}:${e.entityId}:${e.metricType}`;
      out[key] = (out[key] ?? 0) + e.metricValue;
    }
    return out;
  }
}
