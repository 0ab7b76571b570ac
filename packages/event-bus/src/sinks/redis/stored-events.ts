import type { StoredRows } from '../../metrics/stored-rows.js';
import { type CacheKeyScheme, shardWatermarkKey } from './cache-keys.js';
import { fillMarkerKey, recentKey, storedField } from './hash-layout.js';
import type { RedisClient } from './redis-client.js';
import { asSinkCall } from './redis-errors.js';

/** Recent lists trimmed per script call after an insert (small calls: Redis runs other clients in between). */
const TRIM_KEYS_PER_CALL = 50;

/** The scripts MetricCacheSink registers (RECORD_STORED_LUA, TRIM_RECENT_LUA); typed here, not globally. */
interface WithStoredCommands {
  eventBusRecordStored(numKeys: number, ...args: (string | number)[]): Promise<number>;
  eventBusTrimRecent(numKeys: number, args: (string | number)[]): Promise<number>;
}

/** Where the sink keeps its state: the key scheme and the base name of the per-shard watermark hashes. */
export interface StoredTarget {
  keys: CacheKeyScheme;
  watermarkKey: string;
}

/**
 * Called after a flush's rows were inserted into ClickHouse: records, per origin, that ClickHouse holds every
 * event up to the highest `originSeq` among them (`~ch:<origin>` in the watermark hash of each shard the
 * rows touch), then drops those events from their entities' recent lists. Every event of an origin below
 * the first one a host buffers was stored before its source offset was committed, and a host flushes its
 * buffer whole and in order, so ClickHouse then holds each origin's whole prefix up to that position. A
 * shard the rows do not touch keeps an older `~ch`: its lists were not trimmed past it either, which is
 * all the drift check relies on. Returns the entries dropped.
 */
export async function recordStored(
  redis: RedisClient,
  target: StoredTarget,
  rows: StoredRows,
): Promise<number> {
  if (rows.count === 0) return 0;
  const { upto } = rows;
  // Entities, then keys: a flush holds many events per entity, and a key costs two hashes and three strings.
  // Built per event, 200k events of 1,500 entities blocked the event loop for 130–150 ms; this way 9–13.
  const idsByType = rows.entities;
  const keysByShard = new Map<number, string[]>();
  for (const [entityType, ids] of idsByType) {
    for (const id of ids) {
      const shard = target.keys.shardOf(entityType, id);
      const key = target.keys.key(entityType, id);
      const keys = keysByShard.get(shard);
      if (keys) keys.push(key);
      else keysByShard.set(shard, [key]);
    }
  }
  const positions: (string | number)[] = [];
  for (const [origin, seq] of upto) positions.push(storedField(origin), seq);
  const originArgs: (string | number)[] = [upto.size];
  for (const [origin, seq] of upto) originArgs.push(origin, seq);
  const commands = redis as RedisClient & WithStoredCommands;
  // One script at a time, shard after shard: the cache's applies share this connection, so at most one of
  // these is queued ahead of an apply. (With every shard at once, up to 16 were, and after a 200k-row flush
  // applies waited 0.3–0.6 s behind the trims: docs/performance-history.md, "The metric topic's own fetch
  // loop".)
  let dropped = 0;
  for (const [shard, keys] of keysByShard) {
    const watermarkKey = shardWatermarkKey(target.watermarkKey, shard);
    await asSinkCall(() => commands.eventBusRecordStored(1, watermarkKey, ...positions));
    for (let i = 0; i < keys.length; i += TRIM_KEYS_PER_CALL) {
      const redisKeys: string[] = [];
      for (const k of keys.slice(i, i + TRIM_KEYS_PER_CALL)) redisKeys.push(fillMarkerKey(k), recentKey(k));
      dropped += await asSinkCall(() =>
        commands.eventBusTrimRecent(redisKeys.length, (redisKeys as (string | number)[]).concat(originArgs)),
      );
    }
  }
  return dropped;
}
