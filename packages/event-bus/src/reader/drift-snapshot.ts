import { SinkError } from '../errors.js';
import type { CacheKeyScheme } from '../sinks/redis/cache-keys.js';
import { fillMarkerKey, recentKey } from '../sinks/redis/hash-layout.js';
import { type RedisClient, scanNodes } from '../sinks/redis/redis-client.js';

/**
 * One shard's snapshot in one MULTI (its keys share a slot): each hash, whether it is being filled, its recent
 * list, and the shard's watermark hash.
 */
export async function snapshotShard(
  redis: RedisClient,
  shardKeys: readonly string[],
  watermarkKey: string,
): Promise<{
  hashes: { hash: Record<string, string>; filling: boolean; recent: string[] }[];
  state: Record<string, string>;
}> {
  const tx = redis.multi();
  for (const key of shardKeys) tx.hgetall(key).exists(fillMarkerKey(key)).lrange(recentKey(key), 0, -1);
  tx.hgetall(watermarkKey);
  const replies = await tx.exec();
  if (!replies) throw new SinkError('redis', 'drift snapshot transaction aborted');
  for (const [err] of replies) if (err) throw new SinkError('redis', err.message, { cause: err });
  return {
    hashes: shardKeys.map((_, i) => ({
      hash: replies[3 * i]![1] as Record<string, string>,
      filling: replies[3 * i + 1]![1] === 1,
      recent: replies[3 * i + 2]![1] as string[],
    })),
    state: replies.at(-1)![1] as Record<string, string>,
  };
}

/**
 * A uniform sample of matching metric hash keys (reservoir over one SCAN pass of every node, which never
 * blocks Redis).
 */
export async function sampleKeys(
  redis: RedisClient,
  match: string,
  keys: CacheKeyScheme,
  size: number,
): Promise<string[]> {
  const reservoir: string[] = [];
  const seen = new Set<string>();
  for (const node of scanNodes(redis)) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      for (const key of batch) {
        // SCAN may return a key twice; each counts once.
        if (seen.has(key) || !keys.parse(key)) continue;
        seen.add(key);
        if (reservoir.length < size) reservoir.push(key);
        else {
          const j = Math.floor(Math.random() * seen.size);
          if (j < size) reservoir[j] = key;
        }
      }
    } while (cursor !== '0');
  }
  return reservoir;
}
