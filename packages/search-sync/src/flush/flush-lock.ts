import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@engagement/event-bus/sinks/redis';

const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const EXTEND_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RECORD_LUA = `
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 0`;

/**
 * One flush at a time across every host instance: a Redis key set only if absent, holding a random token
 * and an expiry. Only the holder of the token can extend or release it (checked in Lua), so an instance
 * whose lock expired during a long pause cannot release the next holder's lock; a crashed holder's lock
 * simply expires.
 */
export class FlushLock {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** The token when the lock was free, else null. */
  async acquire(): Promise<string | null> {
    const token = randomUUID();
    const ok = await this.redis.set(this.key, token, 'PX', this.ttlMs, 'NX');
    return ok === 'OK' ? token : null;
  }

  /** Pushes the expiry out again; false when the lock is no longer ours. */
  async extend(token: string): Promise<boolean> {
    return (await this.redis.eval(EXTEND_LUA, 1, this.key, token, this.ttlMs)) === 1;
  }

  /** Releases the lock if still ours. */
  async release(token: string): Promise<boolean> {
    return (await this.redis.eval(RELEASE_LUA, 1, this.key, token)) === 1;
  }

  /** Notes, for every instance, when a flush last succeeded (epoch ms; only ever moves forward). */
  async recordSuccess(atMs: number): Promise<void> {
    await this.redis.eval(RECORD_LUA, 1, `${this.key}:last-success`, atMs);
  }

  /** When some instance's flush last succeeded (epoch ms by its clock), 0 if none did. */
  async lastSuccessMs(): Promise<number> {
    return Number((await this.redis.get(`${this.key}:last-success`)) ?? 0);
  }
}
