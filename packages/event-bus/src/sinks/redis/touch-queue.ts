import { type MetricTouch, parseTouchMember, touchMember } from '../../metrics/metric-touch.js';
import { hashTagOf } from './cache-keys.js';
import type { RedisClient } from './redis-client.js';

/**
 * Adds members at the server's clock (`TIME`, in ms). `ZADD GT` moves a member that is already queued to the
 * later time, so a touch made while its entity waits (or while it is recomputed) defers it instead of being
 * lost in it. The second key keeps each member's first touch (`ZADD NX`), which bounds how long a member
 * touched again and again waits. Both keys share a hash slot: safe in Redis Cluster.
 */
const ADD_LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #ARGV do
  redis.call('ZADD', KEYS[1], 'GT', now, ARGV[i])
  redis.call('ZADD', KEYS[2], 'NX', now, ARGV[i])
end
return now`;

/**
 * Members due, at most ARGV[2] of them, and the cut (now − settle, ARGV[1]): those last touched at or before
 * the cut, then (ARGV[3] > 0) those first touched at least ARGV[3] ms ago, however recently touched since.
 */
const DUE_LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cut = now - tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cut, 'LIMIT', 0, limit)
if maxWait > 0 and #due < limit then
  local taken = {}
  for _, m in ipairs(due) do taken[m] = true end
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - maxWait, 'LIMIT', 0, limit)) do
    if #due >= limit then break end
    if not taken[m] then
      if redis.call('ZSCORE', KEYS[1], m) then table.insert(due, m) else redis.call('ZREM', KEYS[2], m) end
    end
  end
end
return { cut, due }`;

/**
 * Removes each member whose score is still at or below ARGV[1]: one touched again since stays queued, and its
 * wait (the first-touch time) starts again now, as the pass recomputed it.
 */
const DONE_LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local removed = 0
local cut = tonumber(ARGV[1])
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= cut then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('ZREM', KEYS[2], ARGV[i])
  elseif score then
    redis.call('ZADD', KEYS[2], 'XX', now, ARGV[i])
  end
end
return removed`;

const NOW_LUA = `local t = redis.call('TIME')
return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Members taken from one entity type's queue, and the cut they were taken at. */
export interface DueTouches {
  cut: number;
  members: string[];
}

/**
 * The touch queue: per entity type, a sorted set of touched entities (members from `touchMember`) scored by
 * the Redis time of their latest touch, and beside it the time of their first. The pipeline adds; the host's
 * recomputer takes what has settled (or waited its max wait), recomputes it and removes what was not touched
 * again meanwhile.
 */
export class RedisTouchQueue {
  constructor(
    private readonly redis: RedisClient,
    /** Namespaces the queues like the cache watermarks (a deployment's cache scope). */
    private readonly scope?: string,
  ) {}

  /** `eventbus:touched:<scope>:<entityType>`; one key per entity type. */
  key(entityType: string): string {
    return `eventbus:touched${this.scope ? `:${this.scope}` : ''}:${entityType}`;
  }

  /**
   * The first touch of each member of `key(entityType)`, in the same hash slot (Redis Cluster): behind the
   * key's own hash tag, or with the whole key as the tag.
   */
  firstTouchKey(entityType: string): string {
    const key = this.key(entityType);
    return `${hashTagOf(key) === key ? `{${key}}` : key}:first`;
  }

  private keys(entityType: string): [number, string, string] {
    return [2, this.key(entityType), this.firstTouchKey(entityType)];
  }

  async add(touches: readonly MetricTouch[]): Promise<void> {
    const byType = new Map<string, Set<string>>();
    for (const t of touches) {
      const members = byType.get(t.entityType) ?? new Set<string>();
      members.add(touchMember(t));
      byType.set(t.entityType, members);
    }
    for (const [entityType, members] of byType) {
      await this.redis.eval(ADD_LUA, ...this.keys(entityType), ...members);
    }
  }

  /**
   * Up to `limit` members last touched at least `settleMs` ago (by Redis's clock), then, with `maxWaitMs`,
   * members first touched at least that long ago although touched since: an entity touched more often than
   * every `settleMs` (a busy post) would otherwise never settle, and its removals never show.
   */
  async due(entityType: string, settleMs: number, limit: number, maxWaitMs = 0): Promise<DueTouches> {
    const [cut, members] = (await this.redis.eval(
      DUE_LUA,
      ...this.keys(entityType),
      settleMs,
      limit,
      maxWaitMs,
    )) as [number, string[]];
    return { cut: Number(cut), members };
  }

  /** Removes the members not touched after `cut`; returns how many went. */
  async done(entityType: string, due: DueTouches): Promise<number> {
    if (due.members.length === 0) return 0;
    return Number(await this.redis.eval(DONE_LUA, ...this.keys(entityType), due.cut, ...due.members));
  }

  /** Every member of one entity type's queue (for reconcile, which leaves them out as in flight). */
  members(entityType: string): Promise<string[]> {
    return this.redis.zrange(this.key(entityType), '0', '-1');
  }

  /**
   * Which of these entities wait in one entity type's queue, and since when (the Redis time, ms, of their
   * first touch since a pass last took them): reconcile waits for a recompute pass to take them.
   */
  async waitingSince(entityType: string): Promise<Map<number, number>> {
    const [members, first] = await Promise.all([
      this.members(entityType),
      this.redis.zrange(this.firstTouchKey(entityType), '0', '-1', 'WITHSCORES'),
    ]);
    const since = new Map<string, number>();
    for (let i = 0; i < first.length; i += 2) since.set(first[i]!, Number(first[i + 1]));
    const waiting = new Map<number, number>();
    for (const m of members) {
      const id = parseTouchMember(m).entityId;
      const at = since.get(m) ?? 0;
      waiting.set(id, Math.min(waiting.get(id) ?? at, at));
    }
    return waiting;
  }

  /** The time (ms) by the clock of the node that holds one entity type's queue, which scores its members. */
  async now(entityType: string): Promise<number> {
    return Number(await this.redis.eval(NOW_LUA, 1, this.key(entityType)));
  }

  /** Members waiting in one entity type's queue. */
  pending(entityType: string): Promise<number> {
    return this.redis.zcard(this.key(entityType));
  }
}
