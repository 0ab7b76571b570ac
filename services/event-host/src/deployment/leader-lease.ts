import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@engagement/event-bus/sinks/redis';

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

export interface LeaderLeaseOptions {
  /** The lease expires this long after its holder stops renewing it (a dead holder blocks no one longer). */
  ttlMs: number;
  /** How often a holder renews (default a third of `ttlMs`). */
  renewEveryMs?: number;
  /** Called when a renewal finds the lease gone or taken (expired while this process stalled). */
  onLost?(): void;
}

/**
 * A Redis lease that one process of a fleet holds at a time: taken with `SET NX PX` under a random token,
 * renewed while held, and released or renewed only by the token that took it (a Lua check-and-act), so a
 * holder whose lease expired never removes its successor's. Jobs that must run once per fleet (periodic
 * reconcile, recomputation) take one each under their own key.
 */
export class LeaderLease {
  readonly key: string;
  private readonly token = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private holding = false;

  constructor(
    private readonly redis: RedisClient,
    key: string,
    private readonly options: LeaderLeaseOptions,
  ) {
    this.key = key;
  }

  /** Whether this process held the lease at its last take or renewal. */
  get held(): boolean {
    return this.holding;
  }

  /**
   * Takes the lease if it is free, or renews it if this process holds it. While held, it is renewed in
   * the background until `release()`. Resolves whether this process holds it now.
   */
  async acquire(): Promise<boolean> {
    if (this.holding && (await this.renew())) return true;
    const taken = await this.redis.set(this.key, this.token, 'PX', this.options.ttlMs, 'NX');
    this.holding = taken === 'OK';
    if (this.holding && !this.timer) {
      this.timer = setInterval(() => void this.renew().catch(() => undefined), this.renewEveryMs);
      this.timer.unref();
    }
    return this.holding;
  }

  /** Extends the lease by `ttlMs` if this process still holds it. */
  async renew(): Promise<boolean> {
    const ok = (await this.redis.eval(RENEW_LUA, 1, this.key, this.token, this.options.ttlMs)) === 1;
    if (!ok && this.holding) {
      this.stopRenewing();
      this.holding = false;
      this.options.onLost?.();
    }
    return ok;
  }

  /** Gives the lease up (only if this process holds it), so another process can take it at once. */
  async release(): Promise<void> {
    this.stopRenewing();
    const was = this.holding;
    this.holding = false;
    if (was) await this.redis.eval(RELEASE_LUA, 1, this.key, this.token);
  }

  /** Milliseconds until the lease expires, whoever holds it (negative: nobody). */
  remainingMs(): Promise<number> {
    return this.redis.pttl(this.key);
  }

  private get renewEveryMs(): number {
    return this.options.renewEveryMs ?? Math.max(1, Math.floor(this.options.ttlMs / 3));
  }

  private stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
