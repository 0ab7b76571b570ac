import type { EntityMetricEvent } from '@engagement/plugin-api';
import type { ApplyResult } from '../runtime/ports.js';
import { type MetricTimeframe, TIMEFRAME_DAYS, windowStartMs } from '../sinks/clickhouse/timeframes.js';
import { type CacheKeyScheme, defaultCacheKeys } from '../sinks/redis/cache-keys.js';
import { FILL_TIME_FIELD, parseTimeframeField, timeframeField } from '../sinks/redis/hash-layout.js';
import type { MetricSignal } from '../sinks/redis/metric-cache-sink.js';

const WINDOWS = Object.keys(TIMEFRAME_DAYS) as Exclude<MetricTimeframe, 'all'>[];

/**
 * The Redis metric cache's semantics in memory: only hashes and fields that exist are incremented,
 * each origin position is applied once, and a signal is recorded per updated hash. Windowed fields
 * (`likeCount:week`) get the events created inside their window, measured back from the hash's fill time
 * (`~at`), as the increment script (`APPLY_EVENT_LUA`) does; without `~at` they are left alone.
 */
export class InMemoryMetricCache {
  private readonly hashes = new Map<string, Map<string, number>>();
  private readonly watermarks = new Map<string, number>();
  readonly signals: MetricSignal[] = [];

  constructor(private readonly keys: CacheKeyScheme = defaultCacheKeys) {}

  /**
   * Seeds a cached hash, as a read-through fill would: metrics, windowed metrics (`likeCount:week`) and the
   * fill time (`'~at': ms`), which windowed fields need to count events.
   */
  fill(entityType: string, entityId: number, metrics: Record<string, number>): void {
    const fields = new Map<string, number>();
    for (const [metric, value] of Object.entries(metrics)) fields.set(this.hashField(metric), value);
    this.hashes.set(this.keys.key(entityType, entityId), fields);
  }

  /** A cached value (`likeCount`, `likeCount:week`), or undefined when the hash or field is not cached. */
  get(entityType: string, entityId: number, metricType: string): number | undefined {
    return this.hashes.get(this.keys.key(entityType, entityId))?.get(this.hashField(metricType));
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
      const hash = this.hashes.get(key);
      if (!hash) continue;
      const field = this.keys.field(e.metricType);
      const targets = hash.has(field) ? [field] : [];
      const at = hash.get(FILL_TIME_FIELD);
      if (at !== undefined) {
        for (const window of WINDOWS) {
          const windowed = timeframeField(field, window);
          if (hash.has(windowed) && e.createdAt.getTime() >= windowStartMs(window, at)!)
            targets.push(windowed);
        }
      }
      if (targets.length === 0) continue;
      for (const target of targets) hash.set(target, hash.get(target)! + e.metricValue);
      const changes = changed.get(key) ?? {};
      changes[field] = (changes[field] ?? 0) + e.metricValue;
      changed.set(key, changes);
    }
    for (const [key, changes] of changed) this.signals.push({ key, changes });
    return { applied, skipped: events.length - applied, updatedKeys: [...changed.keys()] };
  }

  /** The hash field of a metric name: a metric's through the key scheme, its window suffix and `~` fields kept. */
  private hashField(name: string): string {
    const parsed = parseTimeframeField(name);
    if (!parsed) return name;
    return timeframeField(this.keys.field(parsed.field), parsed.timeframe);
  }
}
