import type { ClickHouseClient } from '@clickhouse/client';
import {
  completeCreatedIndex,
  createdIndexTables,
  METRIC_TIMEFRAMES,
  type MetricTimeframe,
  windowStartMs,
} from '@engagement/event-bus/sinks/clickhouse';
import type { RedisClient } from '@engagement/event-bus/sinks/redis';
import type { Logger } from '@engagement/plugin-api';
import type { SearchIndexConfig } from '../config.js';
import type { SearchUpdateQueues } from '../queue/update-queues.js';

export interface WindowAgingDeps {
  redis: RedisClient;
  clickhouse: ClickHouseClient;
  queues: SearchUpdateQueues;
  /** Redis key holding the time (epoch ms) up to which aged windows were queued. */
  markKey: string;
  metricTable: string;
  now: () => Date;
  /** Told when completing the index failed (ageing then reads the event table, and tries again next time). */
  logger?: Logger;
}

/**
 * Windowed metrics (day, week, month, year) change without any new event: an event leaves the day window
 * 24 hours after it happened. Before each flush, the ids whose events left a window since the previous
 * flush are queued, in one ClickHouse query, so their documents get the smaller value. An event at time e
 * is in the window at time t while e >= t - W, so between flushes at `since` and `now` the events with e in
 * [since - W, now - W) left it. The mark lives in Redis, so a restart or another instance continues from it.
 * The query reads the index of events by creation time (`<metricTable>_created`, one range of its key per
 * type and window) once that index holds every event, and the event table until then (a range of its month
 * partitions, every entity of the type: its cost grows with the traffic of those months).
 */
export class WindowAging {
  /** ClickHouse queries made, for stats. */
  queries = 0;
  /** The index of events by creation time holds every event (read it instead of the event table). */
  private indexComplete = false;

  constructor(private readonly deps: WindowAgingDeps) {}

  /** Queues every id whose windowed metrics changed by time alone since the last call; returns how many. */
  async queueAged(indexesByType: ReadonlyMap<string, readonly SearchIndexConfig[]>): Promise<number> {
    const { redis, markKey } = this.deps;
    const now = this.deps.now().getTime();
    const since = Number((await redis.get(markKey)) ?? now);
    const windows = new Map<string, Exclude<MetricTimeframe, 'all'>[]>();
    for (const [type, indexes] of indexesByType) {
      const timeframes = new Set(indexes.flatMap((i) => i.timeframes ?? METRIC_TIMEFRAMES));
      const windowed = [...timeframes].filter((t): t is Exclude<MetricTimeframe, 'all'> => t !== 'all');
      if (windowed.length > 0) windows.set(type, windowed);
    }
    let queued = 0;
    if (windows.size > 0 && since < now) {
      for (const [type, ids] of await this.agedIds(windows, since, now)) {
        await this.deps.queues.queueMetrics(type, ids);
        queued += ids.length;
      }
    }
    // Only once the ids are queued: a failure before this point makes the next flush look again.
    await redis.set(markKey, String(now));
    return queued;
  }

  private async agedIds(
    windows: ReadonlyMap<string, readonly Exclude<MetricTimeframe, 'all'>[]>,
    since: number,
    now: number,
  ): Promise<Map<string, number[]>> {
    const params: Record<string, unknown> = {};
    const ranges: string[] = [];
    [...windows].forEach(([type, timeframes], i) => {
      params[`type_${i}`] = type;
      for (const tf of timeframes) {
        const from = `from_${i}_${tf}`;
        const to = `to_${i}_${tf}`;
        params[from] = windowStartMs(tf, since);
        params[to] = windowStartMs(tf, now);
        ranges.push(
          `(entityType = {type_${i}:String} AND createdAt >= fromUnixTimestamp64Milli({${from}:Int64}, 'UTC') AND createdAt < fromUnixTimestamp64Milli({${to}:Int64}, 'UTC'))`,
        );
      }
    });
    const { clickhouse, metricTable } = this.deps;
    // Once complete, the index stays so; asked again only after a failure (e.g. the index was dropped).
    this.indexComplete ||= await this.completeIndex();
    const source = this.indexComplete ? createdIndexTables(metricTable).index : metricTable;
    this.queries++;
    try {
      const result = await clickhouse.query({
        query: `SELECT entityType, groupUniqArray(entityId) AS ids FROM ${source}
              WHERE ${ranges.join(' OR ')} GROUP BY entityType`,
        query_params: params,
        format: 'JSONEachRow',
      });
      const rows = await result.json<{ entityType: string; ids: (string | number)[] }>();
      return new Map(rows.map((r) => [r.entityType, r.ids.map(Number)]));
    } catch (cause) {
      this.indexComplete = false;
      throw cause;
    }
  }

  /**
   * Whether the index is complete, copying part of the older events into it while it is not (a month at a
   * time, for up to 30 s per flush). Its failure is not the flush's: ageing reads the event table instead.
   */
  private async completeIndex(): Promise<boolean> {
    const { clickhouse, metricTable, logger } = this.deps;
    try {
      return await completeCreatedIndex(clickhouse, metricTable);
    } catch (err) {
      logger?.warn(
        { err, table: metricTable },
        'completing the creation-time index failed; ageing reads the event table',
      );
      return false;
    }
  }
}
