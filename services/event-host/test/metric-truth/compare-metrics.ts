// What the end-to-end tests compare: ClickHouse and the cached Redis hashes against the SQL truth
// (ground-truth.ts), for all time, the last week and the last day; and filling hashes as the app does.
import type { ClickHouseClient } from '@clickhouse/client';
import type { MetricReader } from '@engagement/event-bus/reader';
import { defaultCacheKeys, type RedisClient } from '@engagement/event-bus/sinks/redis';
import type { EntityType } from '@engagement/metric-listeners';
import type pg from 'pg';
import {
  computeGroundTruth,
  diffMetrics,
  type MetricTable,
  metricKey,
  readClickHouseMetrics,
  TRUTH_METRICS,
  type TruthScope,
  windowStart,
} from './ground-truth.js';

export const TIMEFRAMES = ['all', 'week', 'day'] as const;

/** Every metric of `scope` whose ClickHouse sum differs from the truth, per timeframe (`[]` when exact). */
export async function clickhouseMismatches(
  db: pg.Client,
  clickhouse: ClickHouseClient,
  scope: TruthScope,
): Promise<string[]> {
  const now = Date.now();
  const out: string[] = [];
  for (const tf of TIMEFRAMES) {
    const since = windowStart(tf, now);
    const truth = await computeGroundTruth(db, clickhouse, scope, since);
    const stored = await readClickHouseMetrics(clickhouse, scope, since);
    out.push(...diffMetrics(truth, stored).map((d) => `[${tf}] ${d}`));
  }
  return out;
}

/** Fills (or refills, after deleting them) the hashes of `scope` through the reader, as the app does. */
export async function fillThroughReader(
  reader: MetricReader,
  redis: RedisClient,
  scope: TruthScope,
  evict = false,
): Promise<void> {
  for (const [type, ids] of Object.entries(scope) as [EntityType, number[]][]) {
    if (ids.length === 0) continue;
    // One DEL per key: the keys lie in different shards, which a Cluster refuses in one command.
    if (evict) await Promise.all(ids.map((id) => redis.del(defaultCacheKeys.key(type, id))));
    await reader.getMetrics({
      entityType: type,
      entityIds: ids,
      metrics: TRUTH_METRICS[type],
      timeframes: TIMEFRAMES,
    });
  }
}

/** Every cached field of `scope` that differs from the truth, per timeframe (`[]` when exact). */
export async function cachedMismatches(
  db: pg.Client,
  clickhouse: ClickHouseClient,
  redis: RedisClient,
  scope: TruthScope,
): Promise<string[]> {
  const now = Date.now();
  const out: string[] = [];
  for (const tf of TIMEFRAMES) {
    const truth = await computeGroundTruth(db, clickhouse, scope, windowStart(tf, now));
    const cached: MetricTable = new Map();
    for (const [type, ids] of Object.entries(scope) as [EntityType, number[]][]) {
      for (const id of ids) {
        const hash = await redis.hgetall(defaultCacheKeys.key(type, id));
        for (const metric of TRUTH_METRICS[type]) {
          const field = hash[tf === 'all' ? metric : `${metric}:${tf}`];
          cached.set(metricKey(type, id, metric), field === undefined ? Number.NaN : Number(field));
        }
      }
    }
    out.push(...diffMetrics(truth, cached).map((d) => `[redis ${tf}] ${d}`));
  }
  return out;
}
