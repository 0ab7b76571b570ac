import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RENEW_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * A leader lease in Redis: one holder per key across the fleet. Taken with `SET NX PX`, renewed and released
 * only by the token that took it, so a holder that paused past its lease cannot extend or drop its
 * successor's. A holder that dies loses it after `ttlMs`. One key per command: safe in Redis Cluster.
 */
export class LeaderLease {
  private readonly token = randomUUID();
  private held = false;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly ttlMs: number,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /** Renews the lease if held, else tries to take it; true while this holder leads. */
  async hold(): Promise<boolean> {
    if (this.held) {
      this.held = Number(await this.redis.eval(RENEW_LUA, 1, this.key, this.token, this.ttlMs)) === 1;
      if (this.held) return true;
    }
    this.held = (await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
    return this.held;
  }

  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    await this.redis.eval(RELEASE_LUA, 1, this.key, this.token);
  }
}
