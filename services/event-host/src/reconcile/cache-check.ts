import type { ClickHouseClient } from '@clickhouse/client';
import { checkDrift, type DriftDetail } from '@engagement/event-bus/reader';
import {
  type CacheKeyScheme,
  defaultCacheKeys,
  parseTimeframeField,
  type RedisClient,
} from '@engagement/event-bus/sinks/redis';

/** A cached field that disagrees with ClickHouse, with its entity and metric. */
export interface CacheDifference extends DriftDetail {
  entityType: string;
  entityId: number;
  metric: string;
}

export interface CacheCheckOptions {
  redis: RedisClient;
  clickhouse: ClickHouseClient;
  watermarkKey: string;
  keys?: CacheKeyScheme;
  entityType: string;
  entityIds: readonly number[];
  /** Refill the hashes that disagree (race-free, like a read's fill). */
  repair?: boolean;
}

/**
 * Compares the cached hashes of these entities (those that exist) with ClickHouse, bounded by the positions
 * each hash reflects (`checkDrift`), so increments in flight are not reported. With `repair`, each hash that
 * disagrees is refilled through the reader's claim/query/commit, which counts every event stored by then,
 * corrections included, exactly once.
 */
export async function checkCachedHashes(
  options: CacheCheckOptions,
): Promise<{ differences: CacheDifference[]; refilled: number }> {
  const keys = options.keys ?? defaultCacheKeys;
  if (options.entityIds.length === 0) return { differences: [], refilled: 0 };
  const report = await checkDrift({
    redis: options.redis,
    clickhouse: options.clickhouse,
    only: options.entityIds.map((id) => keys.key(options.entityType, id)),
    watermarkKey: options.watermarkKey,
    keys,
    repair: options.repair,
  });
  const differences = report.details.map((d) => {
    const parsed = keys.parse(d.key)!;
    const field = parseTimeframeField(d.field)?.field ?? d.field;
    return { ...d, entityType: parsed.entityType, entityId: parsed.entityId, metric: keys.metricType(field) };
  });
  return { differences, refilled: report.repaired };
}
