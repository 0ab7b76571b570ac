import { randomBytes } from 'node:crypto';
import type { RedisClient } from '@engagement/event-bus/sinks/redis';

/**
 * Hands out the next `ARGV[1]` positions and the origin's epoch (set to `ARGV[2]` if the hash has none). One
 * key, one script: the epoch and the counter appear and vanish together.
 */
const RESERVE_LUA = `local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[2]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
local last = redis.call('HINCRBY', KEYS[1], 'next', tonumber(ARGV[1]))
return { epoch, last - tonumber(ARGV[1]) }`;

/**
 * The origin of recompute corrections, `recompute:<epoch>`, and its positions, kept in one Redis hash per
 * cache scope. Positions must only grow within an origin: the cache skips a position at or below its
 * watermark, and the read rollup's cut (docs/reading-metrics.md) takes rows at or below it as rolled, so a
 * correction stored later at a lower position would be counted nowhere. A counter that starts afresh
 * (Redis replaced, e.g. by a Cluster, or flushed; another scope writing to the same ClickHouse table) comes
 * with a new epoch, hence a new origin whose positions start at 0 without meeting the old ones.
 */
export async function reserveRecomputeSeqs(
  redis: RedisClient,
  scopeKey: string,
  count: number,
): Promise<{ origin: string; firstSeq: number }> {
  const [epoch, first] = (await redis.eval(
    RESERVE_LUA,
    1,
    `eventbus:recompute:origin:${scopeKey}`,
    count,
    randomBytes(6).toString('hex'),
  )) as [string, number];
  return { origin: `recompute:${epoch}`, firstSeq: Number(first) };
}
