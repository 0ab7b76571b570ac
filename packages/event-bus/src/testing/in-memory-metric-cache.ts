import type { EntityMetricEvent } from '@engagement/plugin-api';
import type { ApplyResult } from '../runtime/ports.js';
import { type CacheKeyScheme, defaultCacheKeys } from '../sinks/redis/cache-keys.js';
import type { MetricSignal } from '../sinks/redis/metric-cache-sink.js';

/**
 * The Redis metric cache's semantics in memory: only hashes and fields that exist are incremented,
 * each origin position is applied once, and a signal is recorded per updated hash.
 */
export class InMemoryMetricCache {
  private readonly hashes = new Map<string, Map<string, number>>();
  private readonly watermarks = new Map<string, number>();
  readonly signals: MetricSignal[] = [];

  constructor(private readonly keys: CacheKeyScheme = defaultCacheKeys) {}

  /** Seeds a cached hash, as a read-through fill would. */
  fill(entityType: string, entityId: number, metrics: Record<string, number>): void {
    const fields = new Map<string, number>();
    for (const [metric, value] of Object.entries(metrics)) fields.set(this.keys.field(metric), value);
    this.hashes.set(this.keys.key(entityType, entityId), fields);
  }

  /** A cached value, or undefined when the hash or field is not cached. */
  get(entityType: string, entityId: number, metricType: string): number | undefined {
    return this.hashes.get(this.keys.key(entityType, entityId))?.get(this.keys.field(metricType));
  }

  /** Whether an entity's hash exists at all. */
  has(entityType: string, entityId: number): boolean {
    return this.hashes.has(this.keys.key(entityType, entityId));
  }

  async apply(events: readonly EntityMetricEvent[]): Promise<ApplyResult> {
    const changed = new Map<string, Record<string, number>>();
    let applied = 0;
    for (const e of events) {
      if (e.originSeq <= (this.watermarks.get(e.origin) ?? -1)) continue;
      this.watermarks.set(e.origin, e.originSeq);
      applied++;
      const key = this.keys.key(e.entityType, e.entityId);
      const field = this.keys.field(e.metricType);
      const hash = this.hashes.get(key);
      if (!hash?.has(field)) continue;
      hash.set(field, hash.get(field)! + e.metricValue);
      const changes = changed.get(key) ?? {};
      changes[field] = (changes[field] ?? 0) + e.metricValue;
      changed.set(key, changes);
    }
    for (const [key, changes] of changed) this.signals.push({ key, changes });
    return { applied, skipped: events.length - applied, updatedKeys: [...changed.keys()] };
  }
}
