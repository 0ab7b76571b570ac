import { EventBusError, SinkError } from '../../errors.js';
import type { RedisClient } from './redis-client.js';
import { asSinkCall } from './redis-errors.js';

/** The key recording how many shards the cache of a watermark hash is written with (a plain string). */
export const cacheLayoutKey = (watermarkKey: string): string => `${watermarkKey}:shards`;

/**
 * Records the shard count a cache is written with (the first writer sets it) and refuses a writer with
 * another one: every key it wrote would differ from what readers and the other writers use, and its
 * watermarks would mix with theirs. Changing the count takes an emptied cache (docs/operations.md).
 */
export async function claimCacheLayout(
  redis: RedisClient,
  watermarkKey: string,
  shards: number,
): Promise<void> {
  const key = cacheLayoutKey(watermarkKey);
  const wanted = String(shards);
  await asSinkCall(() => redis.set(key, wanted, 'NX'));
  const held = await asSinkCall(() => redis.get(key));
  if (held === null || held === wanted) return;
  throw new SinkError(
    'redis',
    `the cache of ${watermarkKey} is written with ${held} shards and this writer uses ${shards} ` +
      '(the host: EVENT_HOST_REDIS_CACHE_SHARDS, redis.cacheShards): set it back to ' +
      `${held}, or empty the cache first (docs/operations.md, "Changing the cache's shard count")`,
    { retriable: false },
  );
}

/** How long a reader trusts a matching count before asking again. */
const LAYOUT_RECHECK_MS = 60_000;

/**
 * A reader's side of the same record: a reader whose shard count differs from the writers' reads and fills
 * keys no writer increments, so its fills would be right once and then stand still. `check` throws then.
 * A matching count is asked again after a minute (a reader process outliving a change of the count is caught
 * then); while no writer has recorded one yet, every check asks.
 */
export class CacheLayoutCheck {
  private confirmedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly redis: RedisClient,
    private readonly watermarkKey: string,
    private readonly shards: number,
  ) {}

  async check(): Promise<void> {
    if (Date.now() - this.confirmedAt < LAYOUT_RECHECK_MS) return;
    const held = await asSinkCall(() => this.redis.get(cacheLayoutKey(this.watermarkKey)));
    if (held === null) return;
    if (held === String(this.shards)) {
      this.confirmedAt = Date.now();
      return;
    }
    throw new EventBusError(
      'EB_CACHE_LAYOUT_MISMATCH',
      `the cache of ${this.watermarkKey} is written with ${held} shards and this reader's key scheme has ` +
        `${this.shards}: pass createCacheKeys(${held}) as \`keys\` (the host's EVENT_HOST_REDIS_CACHE_SHARDS)`,
    );
  }
}
