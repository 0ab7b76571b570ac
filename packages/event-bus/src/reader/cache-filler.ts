import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { type MetricTotals, readMetricTotals } from '../sinks/clickhouse/metric-totals.js';
import { RollStateCache } from '../sinks/clickhouse/roll-state.js';
import type { MetricTimeframe } from '../sinks/clickhouse/timeframes.js';
import type { CacheKeyScheme } from '../sinks/redis/cache-keys.js';
import { parseTimeframeField, timeframeField } from '../sinks/redis/hash-layout.js';
import { type FillCommit, MetricCacheFills } from '../sinks/redis/metric-cache-fills.js';
import type { RedisClient } from '../sinks/redis/redis-client.js';

/** Steps of a fill, reported to `onFillStep` (tracing; tests use it to widen race windows). */
export type FillStep = 'claimed' | 'queried';

export interface CacheFillerOptions {
  redis: RedisClient;
  clickhouse: ClickHouseClient;
  keys: CacheKeyScheme;
  table?: string;
  ttlSeconds: number;
  markerMs?: number;
  /** Base name of the cache sink's watermark hashes (default `eventbus:cache:watermarks`). */
  watermarkKey?: string;
  now: () => number;
  /**
   * How old a read of the roll state gets before a fill starts a new one after its query (default 1 s; 0: one
   * read before every fill's query). See RollStateCache for why an older state is exact.
   */
  rollStateMaxAgeMs?: number;
  onFillStep?(step: FillStep, keys: readonly string[]): void | Promise<void>;
}

/** Totals by entity id: metric type → timeframe → value. */
export type FilledTotals = Map<number, Record<string, Partial<Record<MetricTimeframe, number>>>>;

/**
 * Fills cached hashes from ClickHouse: claim the keys (their recent lists stop being trimmed), run one
 * set-based query for all of them, commit each hash with the high water the query counted. A key someone else
 * is filling is answered from the same query but not written. A refill keeps every field the hash already had,
 * so readers asking for different metrics of one entity do not evict each other.
 */
export class CacheFiller {
  private readonly fills: MetricCacheFills;
  private readonly rollStates: RollStateCache;

  constructor(private readonly options: CacheFillerOptions) {
    this.fills = new MetricCacheFills(options.redis, options.markerMs, options.watermarkKey);
    this.rollStates = new RollStateCache(options.clickhouse, {
      table: options.table,
      maxAgeMs: options.rollStateMaxAgeMs,
    });
  }

  /** Computes and caches the given metrics of these entities; returns the computed totals. */
  async fill(
    entityType: string,
    entityIds: readonly number[],
    metricTypes: readonly string[],
    timeframes: readonly MetricTimeframe[],
  ): Promise<{ totals: FilledTotals; written: number; buffered: number }> {
    const { keys, onFillStep } = this.options;
    const ids = [...new Set(entityIds)];
    const hashKeys = ids.map((id) => keys.key(entityType, id));
    const token = randomUUID();
    // The roll state does not depend on the claim: read it meanwhile (a ClickHouse call of its own, unless an
    // earlier fill's state may still be used).
    const rollState = this.rollStates.read();
    const claims = await this.fills.begin(hashKeys, token);
    const taken = hashKeys.filter((_, i) => claims[i]!.taken);
    try {
      const fields = new FieldNames(keys);
      const requested = [
        ...new Set(metricTypes.flatMap((m) => timeframes.map((tf) => timeframeField(keys.field(m), tf)))),
      ];
      const asked = new Set(requested);
      // Each hash is rewritten whole, so it keeps the fields it had besides the requested ones. Most hashes
      // hold none or the same ones: they share the requested list.
      const wanted = ids.map((_, i) => {
        const held = claims[i]!.fields;
        if (held.every((f) => asked.has(f))) return requested;
        return [...new Set([...requested, ...held])];
      });
      const types = new Set<string>();
      const frames = new Set<MetricTimeframe>();
      for (const list of new Set(wanted)) {
        for (const f of list) {
          const parsed = fields.parse(f);
          if (!parsed) continue;
          types.add(parsed.metricType);
          frames.add(parsed.timeframe);
        }
      }
      const atMs = this.options.now();
      await onFillStep?.('claimed', taken);
      const rows = await readMetricTotals(this.options.clickhouse, {
        entityType,
        entityIds: ids,
        metricTypes: [...types],
        timeframes: [...frames],
        now: new Date(atMs),
        highWater: true,
        table: this.options.table,
        rollState,
      });
      // A due roll-state read runs now, beside the commit, rather than before a later fill's query.
      this.rollStates.refresh();
      await onFillStep?.('queried', taken);

      const commits: FillCommit[] = [];
      rows.forEach((row, i) => {
        if (!claims[i]!.taken) return;
        commits.push({
          key: hashKeys[i]!,
          atMs,
          highWater: row.highWater ?? {},
          stored: claims[i]!.stored,
          values: valuesOf(row, wanted[i]!, fields),
        });
      });
      const results = await this.fills.commit(commits, token, this.options.ttlSeconds);
      const totals: FilledTotals = new Map(rows.map((r) => [r.entityId, r.totals]));
      return {
        totals,
        written: results.filter((r) => r.written).length,
        buffered: results.reduce((n, r) => n + r.buffered, 0),
      };
    } catch (error) {
      await this.fills.release(taken, token).catch(() => undefined);
      throw error;
    }
  }
}

function valuesOf(row: MetricTotals, names: readonly string[], fields: FieldNames): Record<string, number> {
  const values: Record<string, number> = {};
  for (const f of names) {
    const parsed = fields.parse(f);
    if (!parsed) continue;
    values[f] = row.totals[parsed.metricType]?.[parsed.timeframe] ?? 0;
  }
  return values;
}

/**
 * Hash fields parsed once per fill: a fill of many entities meets the same few fields for each of them (a
 * 100-entity miss parsed 5,000 field names, 2 ms of its main thread).
 */
class FieldNames {
  private readonly parsed = new Map<string, { metricType: string; timeframe: MetricTimeframe } | null>();

  constructor(private readonly keys: CacheKeyScheme) {}

  /** The metric type and timeframe a field holds; `null` for bookkeeping fields. */
  parse(field: string): { metricType: string; timeframe: MetricTimeframe } | null {
    let parsed = this.parsed.get(field);
    if (parsed === undefined) {
      const split = parseTimeframeField(field);
      parsed = split && { metricType: this.keys.metricType(split.field), timeframe: split.timeframe };
      this.parsed.set(field, parsed);
    }
    return parsed;
  }
}
