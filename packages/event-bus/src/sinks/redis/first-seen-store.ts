import { SinkError } from '../../errors.js';
import type { FirstSeenStore } from '../../runtime/resend-filter.js';
import type { RedisClient } from './redis-client.js';
import { isRetriableRedisError } from './redis-errors.js';

/** A week: ClickHouse's Kafka export and a re-publish by hand both re-send within minutes to days. */
export const DEFAULT_FIRST_SEEN_TTL_MS = 7 * 24 * 3_600_000;

// KEYS: one entry per change. ARGV[1]: the entries' TTL (ms); ARGV[i + 1]: where change i was seen.
// Returns each change's entry: its own position when the entry is new (or holds that same position).
const CLAIM_LUA = `
local out = {}
for i, key in ipairs(KEYS) do
  local at = ARGV[i + 1]
  if redis.call('SET', key, at, 'NX', 'PX', ARGV[1]) then
    out[i] = at
  else
    out[i] = redis.call('GET', key)
  end
end
return out`;

export interface RedisFirstSeenStoreOptions {
  /** Key prefix; namespace it per deployment (default `eventbus:resends`). */
  prefix?: string;
  /** How long a change's first position is kept; a copy published later than this is not recognised. */
  ttlMs?: number;
}

/** The script registered with `defineCommand`; typed here rather than by augmenting ioredis globally. */
interface WithClaimCommand {
  eventBusClaimFirstSeen?(numKeys: number, args: string[]): Promise<string[]>;
}

/**
 * First positions of id-keyed changes (ClickHouse source rows) in Redis: one string per change,
 * `<prefix>:{<topic>}:<changeId>` → `<partition>:<offset>`, written with `SET NX PX` so the first position
 * stays. One script call per chunk; the topic is the hash tag, so a chunk's keys share one Redis Cluster
 * slot, and a copy published to another partition of the topic (a keyless export) is still found.
 */
export class RedisFirstSeenStore implements FirstSeenStore {
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(
    private readonly redis: RedisClient,
    options: RedisFirstSeenStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? 'eventbus:resends';
    this.ttlMs = options.ttlMs ?? DEFAULT_FIRST_SEEN_TTL_MS;
    if (!Number.isSafeInteger(this.ttlMs) || this.ttlMs < 1) {
      throw new RangeError(`first-seen TTL must be a positive number of milliseconds, got ${options.ttlMs}`);
    }
    if (!(redis as WithClaimCommand).eventBusClaimFirstSeen) {
      redis.defineCommand('eventBusClaimFirstSeen', { lua: CLAIM_LUA });
    }
  }

  /** The Redis key of a change's entry. */
  key(topic: string, changeId: string): string {
    return `${this.prefix}:{${topic}}:${changeId}`;
  }

  async claim(topic: string, changes: readonly { id: string; at: string }[]): Promise<string[]> {
    if (changes.length === 0) return [];
    const args = [
      ...changes.map((c) => this.key(topic, c.id)),
      String(this.ttlMs),
      ...changes.map((c) => c.at),
    ];
    try {
      return await (this.redis as WithClaimCommand).eventBusClaimFirstSeen!(changes.length, args);
    } catch (cause) {
      throw new SinkError('redis', `first-seen entries: ${(cause as Error).message}`, {
        cause,
        retriable: isRetriableRedisError(cause),
      });
    }
  }
}
