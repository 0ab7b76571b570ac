// Counts that must never read below zero (a removal looked up through the wrong entity), in each place a
// value is read from: ClickHouse, the cached hashes and the reader.
import type { ClickHouseClient } from '@clickhouse/client';
import type { MetricReader } from '@engagement/event-bus/reader';
import { defaultCacheKeys, type RedisClient } from '@engagement/event-bus/sinks/redis';
import type { EntityType } from '@engagement/metric-listeners';
import { TIMEFRAMES } from './compare-metrics.js';
import { readClickHouseMetrics } from './ground-truth.js';

/** Every value of these entities below zero now, as `<place> <key> = <value>` (`[]` when none). */
export async function belowZero(
  source: { clickhouse: ClickHouseClient; redis: RedisClient },
  reader: MetricReader,
  type: EntityType,
  ids: number[],
  metrics: string[],
): Promise<string[]> {
  const below: string[] = [];
  const stored = await readClickHouseMetrics(source.clickhouse, { [type]: ids }, null);
  for (const [key, v] of stored) if (v < 0) below.push(`clickhouse ${key} = ${v}`);
  for (const id of ids) {
    const hash = await source.redis.hgetall(defaultCacheKeys.key(type, id));
    for (const [field, v] of Object.entries(hash))
      if (!field.startsWith('~') && Number(v) < 0) below.push(`redis ${type}:${id} ${field} = ${v}`);
  }
  const read = await reader.getMetrics({ entityType: type, entityIds: ids, metrics, timeframes: TIMEFRAMES });
  for (const [id, values] of read)
    for (const metric of metrics)
      for (const tf of TIMEFRAMES)
        if (values[metric]![tf] < 0)
          below.push(`reader ${type}:${id} ${metric}:${tf} = ${values[metric]![tf]}`);
  return below;
}
