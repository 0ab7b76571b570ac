import type { ClickHouseClient } from '@clickhouse/client';
import { EventBusError } from '../errors.js';
import { invalidEntityType, invalidMetricType, shownValue } from '../metrics/metric-names.js';
import {
  isMetricTimeframe,
  METRIC_TIMEFRAMES,
  type MetricTimeframe,
} from '../sinks/clickhouse/timeframes.js';
import {
  type CacheKeyScheme,
  cacheWatermarkKey,
  defaultCacheKeys,
  groupByTag,
} from '../sinks/redis/cache-keys.js';
import { CacheLayoutCheck } from '../sinks/redis/cache-layout.js';
import { FILL_TIME_FIELD, timeframeField } from '../sinks/redis/hash-layout.js';
import type { RedisClient } from '../sinks/redis/redis-client.js';
import { asSinkCall, redisSinkError } from '../sinks/redis/redis-errors.js';
import { CacheFiller, type FilledTotals, type FillStep } from './cache-filler.js';
import {
  type AverageDefinitions,
  averageOf,
  defaultAverages,
  definedAverage,
  storedMetricTypes,
} from './derived-metrics.js';
import { defaultMaxAgeMs, type WindowMaxAge } from './window-freshness.js';

export interface MetricReaderOptions {
  redis: RedisClient;
  clickhouse: ClickHouseClient;
  /** Must match the cache sink's scheme (both default to `metrics:<type>:<id>`). */
  keys?: CacheKeyScheme;
  /**
   * Base name of the cache sink's watermark hashes (default `eventbus:cache:watermarks`; the host adds its
   * cache scope: `eventbus:cache:watermarks:<scope>`). Under it the writers record their shard count, and the
   * reader refuses to read with another (`EB_CACHE_LAYOUT_MISMATCH`).
   */
  watermarkKey?: string;
  /** ClickHouse table of metric events (default `entityMetricEvents`). */
  table?: string;
  /** Lifetime of a cached hash; increments keep it current meanwhile (default 1 h). */
  ttlSeconds?: number;
  /** How old a fill may be before its windowed values are recomputed (see docs/reading-metrics.md). */
  maxAgeMs?: Partial<WindowMaxAge>;
  /** How long a fill may take before it is not cached (default 30 s). */
  fillMarkerMs?: number;
  /**
   * How old a read of the rollup's roll state gets before a fill reads it again, after its own query (default
   * 1 s; 0: one read before every fill's query). A burst of misses then costs one small ClickHouse query
   * instead of one per miss, and no miss waits for it; exact either way.
   */
  rollStateMaxAgeMs?: number;
  /** Metrics computed as sum / count at read time (default: rating = ratingSum / ratingCount). */
  averages?: AverageDefinitions;
  /** Clock (epoch ms); tests move it to age windows. */
  now?: () => number;
  /** Called after every read, e.g. for hit-ratio and latency metrics. */
  onRead?(stats: ReadStats): void;
  /** Called at each step of a fill (tracing; tests use it to widen race windows). */
  onFillStep?(step: FillStep, keys: readonly string[]): void | Promise<void>;
}

/** What one read did. */
export interface ReadStats {
  entityType: string;
  entities: number;
  hits: number;
  misses: number;
  /** Hashes written by this read's fill (a key someone else was filling is answered, not written). */
  filled: number;
  /**
   * Events applied to Redis that this read's fill queries did not count (not yet in ClickHouse then), replayed
   * from the recent lists onto the filled hashes by their commits.
   */
  buffered: number;
  seconds: number;
}

/** Which metrics of which entities to read. */
export interface MetricRequest<M extends string, T extends MetricTimeframe> {
  entityType: string;
  entityIds: readonly number[];
  /** Stored metric types and averages (e.g. `rating`). */
  metrics: readonly M[];
  timeframes: readonly T[];
}

/** Per entity id: metric → timeframe → value. Every requested entity, metric and timeframe is present. */
export type MetricValues<M extends string, T extends MetricTimeframe> = Map<
  number,
  Record<M, Record<T, number>>
>;

/** Reads metrics for the app: Redis first, misses filled from ClickHouse in one query and cached. */
export interface MetricReader {
  getMetrics<M extends string, T extends MetricTimeframe>(
    request: MetricRequest<M, T>,
  ): Promise<MetricValues<M, T>>;
}

/**
 * Creates a reader. One pipelined round trip reads every requested hash; entities whose hash is missing,
 * lacks a requested field, or whose windowed values are older than their max age are misses, all answered by
 * one ClickHouse query whose results are cached (see CacheFiller for how racing increments stay exact).
 */
export function createMetricReader(options: MetricReaderOptions): MetricReader {
  const keys = options.keys ?? defaultCacheKeys;
  const averages = options.averages ?? defaultAverages;
  const now = options.now ?? Date.now;
  const watermarkKey = options.watermarkKey ?? cacheWatermarkKey();
  const layout = new CacheLayoutCheck(options.redis, watermarkKey, keys.shards);
  const maxAge = { ...defaultMaxAgeMs, ...options.maxAgeMs };
  const filler = new CacheFiller({
    redis: options.redis,
    clickhouse: options.clickhouse,
    keys,
    table: options.table,
    ttlSeconds: options.ttlSeconds ?? 3600,
    markerMs: options.fillMarkerMs,
    watermarkKey,
    rollStateMaxAgeMs: options.rollStateMaxAgeMs,
    now,
    onFillStep: options.onFillStep,
  });

  return {
    async getMetrics<M extends string, T extends MetricTimeframe>(request: MetricRequest<M, T>) {
      const started = performance.now();
      checkRequest(request);
      const ids = [...new Set(request.entityIds)];
      const timeframes = [...new Set(request.timeframes)];
      const stored = storedMetricTypes(request.metrics, averages);
      const fields = stored.flatMap((m) => timeframes.map((tf) => timeframeField(keys.field(m), tf)));
      const windowed = timeframes.filter((tf) => tf !== 'all') as Exclude<T, 'all'>[];
      const maxAgeMs = windowed.length ? Math.min(...windowed.map((tf) => maxAge[tf])) : Infinity;

      // The layout is checked beside the first reads, before anything is filled or answered.
      const [replies] = await Promise.all([
        readHashes(
          options.redis,
          ids.map((id) => keys.key(request.entityType, id)),
          [...fields, FILL_TIME_FIELD],
        ),
        layout.check(),
      ]);
      const nowMs = now();
      // A hit's values are its HMGET reply: stored metric `s`, timeframe `t` at index s * timeframes + t.
      const hits = new Map<number, (string | null)[]>();
      const misses: number[] = [];
      ids.forEach((id, i) => {
        const [err, reply] = replies[i]!;
        if (err) throw redisSinkError(err);
        const row = reply as (string | null)[];
        const at = row[fields.length];
        const fresh = maxAgeMs === Infinity || (at != null && nowMs - Number(at) <= maxAgeMs);
        let complete = true;
        for (let j = 0; j < fields.length && complete; j++) complete = row[j] != null;
        if (fresh && complete) hits.set(id, row);
        else misses.push(id);
      });

      let filled = 0;
      let buffered = 0;
      let computed: FilledTotals | undefined;
      if (misses.length) {
        const result = await filler.fill(request.entityType, misses, stored, timeframes);
        filled = result.written;
        buffered = result.buffered;
        computed = result.totals;
      }

      // Per requested metric, the stored types it is read from: itself, or an average's sum and count.
      const column = new Map(stored.map((m, s) => [m, s * timeframes.length]));
      const sources = request.metrics.map(
        (metric) => definedAverage(averages, metric) ?? ([metric] as const),
      );
      const out: MetricValues<M, T> = new Map();
      for (const id of ids) {
        const row = hits.get(id);
        const totals = row ? undefined : computed?.get(id);
        const entity = {} as Record<M, Record<T, number>>;
        for (let k = 0; k < request.metrics.length; k++) {
          const source = sources[k]!;
          const perTf = {} as Record<T, number>;
          for (let t = 0; t < timeframes.length; t++) {
            const tf = timeframes[t]!;
            const first = row ? Number(row[column.get(source[0])! + t]) : (totals?.[source[0]]?.[tf] ?? 0);
            if (source.length === 1) {
              perTf[tf] = first;
              continue;
            }
            const count = row ? Number(row[column.get(source[1])! + t]) : (totals?.[source[1]]?.[tf] ?? 0);
            perTf[tf] = averageOf(first, count);
          }
          entity[request.metrics[k]!] = perTf;
        }
        out.set(id, entity);
      }
      options.onRead?.({
        entityType: request.entityType,
        entities: ids.length,
        hits: hits.size,
        misses: misses.length,
        filled,
        buffered,
        seconds: (performance.now() - started) / 1000,
      });
      return out;
    },
  };
}

/**
 * Refuses a request that would read wrong rather than fail: ids that are not integers (a `"7"` from a query
 * string would come back under the key `"7"`, not 7), timeframes the cache does not keep (read as 0), metric
 * or entity type names no writer can have written (see metric-names.ts). A caller's mistake, so not retriable,
 * and never reported as a sink outage.
 */
function checkRequest(request: MetricRequest<string, MetricTimeframe>): void {
  const refuse = (what: string): never => {
    throw new EventBusError('EB_READ_INVALID', `getMetrics: ${what}`);
  };
  const badType = invalidEntityType(request.entityType);
  if (badType) refuse(`entityType ${badType}`);
  if (!Array.isArray(request.entityIds)) refuse('entityIds is not an array');
  for (let i = 0; i < request.entityIds.length; i++) {
    const id = request.entityIds[i];
    if (!Number.isSafeInteger(id)) {
      refuse(`entityIds[${i}] is ${shownValue(id)}, not an integer`);
    }
  }
  for (const metric of request.metrics) {
    const bad = invalidMetricType(metric);
    if (bad) refuse(`metric ${bad}`);
  }
  for (const timeframe of request.timeframes) {
    if (!isMetricTimeframe(timeframe)) {
      refuse(`timeframe ${JSON.stringify(timeframe)} is not one of ${METRIC_TIMEFRAMES.join(', ')}`);
    }
  }
}

/** HMGET of every key, one pipeline per shard (a Cluster pipeline stays on one node), answers in key order. */
async function readHashes(
  redis: RedisClient,
  hashKeys: readonly string[],
  fields: readonly string[],
): Promise<[Error | null, unknown][]> {
  const replies = new Map<string, [Error | null, unknown]>();
  await Promise.all(
    groupByTag([...hashKeys], (k) => k).map(async (group) => {
      const pipeline = redis.pipeline();
      for (const key of group) pipeline.hmget(key, ...fields);
      const results = (await asSinkCall(() => pipeline.exec())) ?? [];
      for (const [i, key] of group.entries()) replies.set(key, results[i] as [Error | null, unknown]);
    }),
  );
  return hashKeys.map((k) => replies.get(k)!);
}
