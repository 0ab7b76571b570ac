import { SinkError } from '../../errors.js';
import { groupByTag } from './cache-keys.js';
import { BEGIN_FILLS_LUA, COMMIT_FILL_LUA, RELEASE_FILLS_LUA } from './fill-scripts.js';
import { fillMarkerKey, recentKey } from './hash-layout.js';
import type { RedisClient } from './redis-client.js';

/** One computed hash to write: values by field, and what ClickHouse had counted per origin. */
export interface FillCommit {
  key: string;
  /** Epoch ms the windows were computed from (the query's `now`). */
  atMs: number;
  /** Highest `originSeq` per origin among the rows the values were computed from. */
  highWater: Record<string, number>;
  values: Record<string, number>;
}

/** Per key: whether this filler owns the fill, and the metric fields the hash held when it began. */
export interface FillClaim {
  taken: boolean;
  fields: string[];
}

/** The scripts registered with `defineCommand`; typed here rather than by augmenting ioredis globally. */
interface WithFillCommands {
  eventBusBeginFills?(numKeys: number, ...args: (string | number)[]): Promise<[number, ...string[]][]>;
  eventBusCommitFill?(numKeys: number, ...args: (string | number)[]): Promise<[number, number]>;
  eventBusReleaseFills?(numKeys: number, ...args: (string | number)[]): Promise<number>;
}

/**
 * The Redis half of a cache fill: claim → (caller queries ClickHouse) → commit, or release on failure.
 * The increment script logs every event in the entity's recent list, which is not trimmed while a claim is
 * held; the commit replays the entries the query had not counted. See docs/reading-metrics.md for why this
 * counts every increment exactly once, also for events that reach Redis before ClickHouse.
 */
export class MetricCacheFills {
  constructor(
    private readonly redis: RedisClient,
    /** How long a claim lives: a fill slower than this is not cached (its recent list may be trimmed). */
    private readonly markerMs = 30_000,
  ) {
    const r = redis as WithFillCommands;
    if (!r.eventBusBeginFills) redis.defineCommand('eventBusBeginFills', { lua: BEGIN_FILLS_LUA });
    if (!r.eventBusCommitFill) redis.defineCommand('eventBusCommitFill', { lua: COMMIT_FILL_LUA });
    if (!r.eventBusReleaseFills) redis.defineCommand('eventBusReleaseFills', { lua: RELEASE_FILLS_LUA });
  }

  /** Claims the fill of each key not already being filled by someone else (one script per shard). */
  async begin(keys: readonly string[], token: string): Promise<FillClaim[]> {
    if (keys.length === 0) return [];
    const claims = new Map<string, FillClaim>();
    const groups = groupByTag([...new Set(keys)], (k) => k);
    await Promise.all(
      groups.map(async (group) => {
        const redisKeys = group.flatMap((k) => [k, fillMarkerKey(k)]);
        const rows = await this.call(() =>
          (this.redis as WithFillCommands).eventBusBeginFills!(
            redisKeys.length,
            ...redisKeys,
            token,
            this.markerMs,
          ),
        );
        for (const [i, [taken, ...fields]] of rows.entries()) {
          claims.set(group[i]!, { taken: taken === 1, fields });
        }
      }),
    );
    return keys.map((k) => claims.get(k)!);
  }

  /**
   * Writes computed hashes (pipelined). Per commit: whether it was written (the claim was still held) and how
   * many recent events the query had not counted were replayed onto it.
   */
  async commit(
    commits: readonly FillCommit[],
    token: string,
    ttlSeconds: number,
  ): Promise<{ written: boolean; buffered: number }[]> {
    if (commits.length === 0) return [];
    const results = new Map<FillCommit, { written: boolean; buffered: number }>();
    // One pipeline per shard: a Cluster pipeline must stay on one node.
    const groups = groupByTag(commits, (c) => c.key);
    await Promise.all(
      groups.map(async (group) => {
        const pipeline = this.redis.pipeline() as ReturnType<RedisClient['pipeline']> & WithFillCommands;
        for (const c of group) {
          const args: (string | number)[] = [token, c.atMs, ttlSeconds];
          const marks = Object.entries(c.highWater);
          args.push(marks.length, ...marks.flat());
          const values = Object.entries(c.values);
          args.push(values.length, ...values.flat());
          pipeline.eventBusCommitFill!(3, c.key, fillMarkerKey(c.key), recentKey(c.key), ...args);
        }
        const replies = await this.call(() => pipeline.exec());
        (replies ?? []).forEach(([err, reply], i) => {
          if (err) throw new SinkError('redis', `fill commit failed: ${err.message}`, { cause: err });
          const [written, buffered] = reply as [number, number];
          results.set(group[i]!, { written: written === 1, buffered });
        });
      }),
    );
    return commits.map((c) => results.get(c)!);
  }

  /** Gives up claims (the ClickHouse query failed), so the recent lists can be trimmed again at once. */
  async release(keys: readonly string[], token: string): Promise<void> {
    if (keys.length === 0) return;
    await Promise.all(
      groupByTag(keys, (k) => k).map((group) => {
        const redisKeys = group.map((k) => fillMarkerKey(k));
        return this.call(() =>
          (this.redis as WithFillCommands).eventBusReleaseFills!(redisKeys.length, ...redisKeys, token),
        );
      }),
    );
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      if (cause instanceof SinkError) throw cause;
      throw new SinkError('redis', (cause as Error).message, { cause });
    }
  }
}
