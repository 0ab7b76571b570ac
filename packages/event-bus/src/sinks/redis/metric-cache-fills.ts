import { cacheWatermarkKey, groupByTag, shardOfKey, shardWatermarkKey } from './cache-keys.js';
import { BEGIN_FILLS_LUA, COMMIT_FILLS_LUA, RELEASE_FILLS_LUA } from './fill-scripts.js';
import { fillMarkerKey, recentKey } from './hash-layout.js';
import type { RedisClient } from './redis-client.js';
import { asSinkCall } from './redis-errors.js';

/** One computed hash to write: values by field, and what ClickHouse had counted per origin. */
export interface FillCommit {
  key: string;
  /** Epoch ms the windows were computed from (the query's `now`). */
  atMs: number;
  /** Highest `originSeq` per origin among the rows the values were computed from. */
  highWater: Record<string, number>;
  /** The claim's `stored`: recent entries at or below these are not replayed (see COMMIT_FILLS_LUA). */
  stored?: Record<string, number>;
  values: Record<string, number>;
}

/**
 * Per key: whether this filler owns the fill, the metric fields the hash held when it began, and for each
 * origin in its recent list the position ClickHouse held that origin's events up to (`~ch`) at the claim.
 */
export interface FillClaim {
  taken: boolean;
  fields: string[];
  stored: Record<string, number>;
}

/** The scripts registered with `defineCommand`; typed here rather than by augmenting ioredis globally. */
interface WithFillCommands {
  eventBusBeginFills?(numKeys: number, ...args: (string | number)[]): Promise<(number | string)[][]>;
  eventBusCommitFills?(numKeys: number, args: (string | number)[]): Promise<number[]>;
  eventBusReleaseFills?(numKeys: number, ...args: (string | number)[]): Promise<number>;
}

/** Fill commits per script: a script blocks Redis while it runs (about 0.1 ms per commit, bench/fill-commit.ts). */
const COMMITS_PER_SCRIPT = 64;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

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
    /**
     * Base name of the writers' per-shard watermark hashes, whose `~ch` positions the claims read (the cache
     * sink's `watermarkKey`). Keys of a scheme without shard tags are filled without them.
     */
    private readonly watermarkKey = cacheWatermarkKey(),
  ) {
    const r = redis as WithFillCommands;
    if (!r.eventBusBeginFills) redis.defineCommand('eventBusBeginFills', { lua: BEGIN_FILLS_LUA });
    if (!r.eventBusCommitFills) redis.defineCommand('eventBusCommitFills', { lua: COMMIT_FILLS_LUA });
    if (!r.eventBusReleaseFills) redis.defineCommand('eventBusReleaseFills', { lua: RELEASE_FILLS_LUA });
  }

  /** Claims the fill of each key not already being filled by someone else (one script per shard). */
  async begin(keys: readonly string[], token: string): Promise<FillClaim[]> {
    if (keys.length === 0) return [];
    const claims = new Map<string, FillClaim>();
    const groups = groupByTag([...new Set(keys)], (k) => k);
    await Promise.all(
      groups.map(async (group) => {
        const shard = shardTagged(group[0]!);
        const redisKeys = group.flatMap((k) => [k, fillMarkerKey(k), recentKey(k)]);
        if (shard !== undefined) redisKeys.unshift(shardWatermarkKey(this.watermarkKey, shard));
        const rows = await asSinkCall(() =>
          (this.redis as WithFillCommands).eventBusBeginFills!(
            redisKeys.length,
            ...redisKeys,
            token,
            this.markerMs,
            shard === undefined ? 0 : 1,
          ),
        );
        for (const [i, row] of rows.entries()) claims.set(group[i]!, claimOf(row));
      }),
    );
    return keys.map((k) => claims.get(k)!);
  }

  /**
   * Writes computed hashes, one script per shard. Per commit: whether it was written (the claim was still held)
   * and how many recent events the query had not counted were replayed onto it.
   */
  async commit(
    commits: readonly FillCommit[],
    token: string,
    ttlSeconds: number,
  ): Promise<{ written: boolean; buffered: number }[]> {
    if (commits.length === 0) return [];
    const results = new Map<FillCommit, { written: boolean; buffered: number }>();
    // One script per shard (every key of a shard shares its hash tag, so the call stays on one Cluster node)
    // and per COMMITS_PER_SCRIPT commits, so that no script holds Redis for long.
    const groups = groupByTag(commits, (c) => c.key).flatMap((g) => chunks(g, COMMITS_PER_SCRIPT));
    await Promise.all(
      groups.map(async (group) => {
        const keys: string[] = [];
        const args: (string | number)[] = [token, ttlSeconds];
        for (const c of group) {
          keys.push(c.key, fillMarkerKey(c.key), recentKey(c.key));
          args.push(c.atMs);
          pushPairs(args, c.highWater);
          pushPairs(args, c.stored ?? {});
          pushPairs(args, c.values);
        }
        const reply = await asSinkCall(() =>
          // One array argument (ioredis flattens it): a large group has too many values to spread into a call.
          (this.redis as WithFillCommands).eventBusCommitFills!(
            keys.length,
            (keys as (string | number)[]).concat(args),
          ),
        );
        group.forEach((c, i) => {
          results.set(c, { written: reply[2 * i] === 1, buffered: reply[2 * i + 1]! });
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
        return asSinkCall(() =>
          (this.redis as WithFillCommands).eventBusReleaseFills!(redisKeys.length, ...redisKeys, token),
        );
      }),
    );
  }
}

/** A claim from its script row: taken, field count, fields, then origin/position pairs. */
function claimOf(row: (number | string)[]): FillClaim {
  const count = Number(row[1]);
  const fields = row.slice(2, 2 + count).map(String);
  const stored: Record<string, number> = {};
  for (let i = 2 + count; i + 1 < row.length; i += 2) stored[String(row[i])] = Number(row[i + 1]);
  return { taken: row[0] === 1, fields, stored };
}

/** The shard a key's tag names, or undefined for a key without one (a custom key scheme). */
function shardTagged(key: string): number | undefined {
  try {
    return shardOfKey(key);
  } catch {
    return undefined;
  }
}

/** A record's size, then its key/value pairs. */
function pushPairs(args: (string | number)[], record: Record<string, number>): void {
  const names = Object.keys(record);
  args.push(names.length);
  for (const name of names) args.push(name, record[name]!);
}
