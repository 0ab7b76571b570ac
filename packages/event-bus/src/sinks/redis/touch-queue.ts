import { type MetricTouch, touchMember } from '../../metrics/metric-touch.js';
import type { RedisClient } from './redis-client.js';

/**
 * Adds members at the server's clock (`TIME`, in ms). `ZADD GT` moves a member that is already queued to the
 * later time, so a touch made while its entity waits (or while it is recomputed) defers it instead of being
 * lost in it. One key per call: safe in Redis Cluster.
 */
const ADD_LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #ARGV do redis.call('ZADD', KEYS[1], 'GT', now, ARGV[i]) end
return now`;

/** Members due: scored at or below now − ARGV[1], at most ARGV[2] of them, and the cut (now − settle). */
const DUE_LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cut = now - tonumber(ARGV[1])
return { cut, redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cut, 'LIMIT', 0, tonumber(ARGV[2])) }`;

/** Removes each member whose score is still at or below ARGV[1]: one touched again since stays queued. */
const DONE_LUA = `local removed = 0
local cut = tonumber(ARGV[1])
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= cut then removed = removed + redis.call('ZREM', KEYS[1], ARGV[i]) end
end
return removed`;

/** Members taken from one entity type's queue, and the cut they were taken at. */
export interface DueTouches {
  cut: number;
  members: string[];
}

/**
 * The touch queue: per entity type, a sorted set of touched entities (members from `touchMember`) scored by
 * the Redis time of their latest touch. The pipeline adds; the host's recomputer takes what has settled,
 * recomputes it and removes what was not touched again meanwhile.
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

  async add(touches: readonly MetricTouch[]): Promise<void> {
    const byType = new Map<string, Set<string>>();
    for (const t of touches) {
      const members = byType.get(t.entityType) ?? new Set<string>();
      members.add(touchMember(t));
      byType.set(t.entityType, members);
    }
    for (const [entityType, members] of byType) {
      await this.redis.eval(ADD_LUA, 1, this.key(entityType), ...members);
    }
  }

  /** Up to `limit` members touched at least `settleMs` ago (by Redis's clock). */
  async due(entityType: string, settleMs: number, limit: number): Promise<DueTouches> {
    const [cut, members] = (await this.redis.eval(DUE_LUA, 1, this.key(entityType), settleMs, limit)) as [
      number,
      string[],
    ];
    return { cut: Number(cut), members };
  }

  /** Removes the members not touched after `cut`; returns how many went. */
  async done(entityType: string, due: DueTouches): Promise<number> {
    if (due.members.length === 0) return 0;
    return Number(await this.redis.eval(DONE_LUA, 1, this.key(entityType), due.cut, ...due.members));
  }

  /** Every member of one entity type's queue (for reconcile, which leaves them out as in flight). */
  members(entityType: string): Promise<string[]> {
    return this.redis.zrange(this.key(entityType), '0', '-1');
  }

  /** Members waiting in one entity type's queue. */
  pending(entityType: string): Promise<number> {
    return this.redis.zcard(this.key(entityType));
  }
}
