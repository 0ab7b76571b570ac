import type { ClickHouseClient } from '@clickhouse/client';
import { TIMEFRAME_DAYS } from '../sinks/clickhouse/timeframes.js';
import {
  type CacheKeyScheme,
  cacheWatermarkKey,
  defaultCacheKeys,
  groupByTag,
  shardOfKey,
  shardWatermarkKey,
} from '../sinks/redis/cache-keys.js';
import {
  FILL_TIME_FIELD,
  HASH_META_PREFIX,
  HIGH_WATER_PREFIX,
  parseTimeframeField,
  storedField,
} from '../sinks/redis/hash-layout.js';
import type { RedisClient } from '../sinks/redis/redis-client.js';
import { CacheFiller } from './cache-filler.js';
import { sampleKeys, snapshotShard } from './drift-snapshot.js';
import { type CachedSnapshot, positionBoundedTotals } from './position-bounded-totals.js';

export interface CheckDriftOptions {
  redis: RedisClient;
  clickhouse: ClickHouseClient;
  /** How many cached hashes to compare, chosen uniformly among all of them (default 1000). */
  sample?: number;
  /** Compare exactly these hash keys instead of a sample (keys without a hash are skipped). */
  only?: readonly string[];
  /** Refill every drifted hash from ClickHouse (through the same race-free fill the reader uses). */
  repair?: boolean;
  keys?: CacheKeyScheme;
  /** SCAN pattern of the hashes to sample (default: the key scheme's pattern). */
  match?: string;
  /**
   * Base name of the cache sink's per-shard watermark hashes (default `eventbus:cache:watermarks`; the host
   * adds its cache scope).
   */
  watermarkKey?: string;
  table?: string;
  /** TTL of repaired hashes (default 1 h). */
  ttlSeconds?: number;
}

/** One cached field that disagrees with ClickHouse. */
export interface DriftDetail {
  key: string;
  field: string;
  cached: number;
  expected: number;
}

/** What a drift check found: `ratio` = drifted / sampled hashes. */
export interface DriftReport {
  sampled: number;
  drifted: number;
  ratio: number;
  details: DriftDetail[];
  /** Hashes rewritten from ClickHouse (with `repair`). */
  repaired: number;
}

/**
 * Samples cached metric hashes and compares every field with ClickHouse. Exact while events stream: each
 * hash is compared with the events it reflects (its fill's high water, then what the sink applied in its
 * shard), read in the same Redis transaction as the hash (one per shard: its keys share a slot), so an increment still in flight is not reported as drift. Events
 * applied but not yet in ClickHouse are taken from the hash's recent list, read in that transaction too: per
 * origin, ClickHouse is asked up to the larger of the hash's high water and the smaller of the applied
 * watermark and what ClickHouse is known to hold (`~ch:<origin>`), the recent entries above that are added.
 * Hashes being filled at that moment are skipped.
 */
export async function checkDrift(options: CheckDriftOptions): Promise<DriftReport> {
  const { redis } = options;
  const keys = options.keys ?? defaultCacheKeys;
  const watermarkKey = options.watermarkKey ?? cacheWatermarkKey();
  const sampled = options.only
    ? [...new Set(options.only)]
    : await sampleKeys(redis, options.match ?? keys.pattern, keys, options.sample ?? 1000);

  type Entry = {
    key: string;
    hash: Record<string, string>;
    snapshot: CachedSnapshot;
    recent: string[];
  };
  // Per entity type and shard: the hashes and the bound (per origin) ClickHouse is asked up to for them.
  const groups = new Map<string, { entityType: string; bound: Record<string, number>; entries: Entry[] }>();
  for (const shardKeys of groupByTag(sampled, (k) => k)) {
    const shard = shardOfKey(shardKeys[0]!);
    const { hashes, state } = await snapshotShard(redis, shardKeys, shardWatermarkKey(watermarkKey, shard));
    const applied = watermarks(state);
    // Per origin, what both ClickHouse holds for sure and this shard applied: ClickHouse is asked up to here.
    const bound: Record<string, number> = {};
    for (const [origin, seq] of Object.entries(applied)) {
      bound[origin] = Math.min(seq, Number(state[storedField(origin)] ?? -1));
    }
    shardKeys.forEach((key, i) => {
      const { hash, filling, recent } = hashes[i]!;
      if (filling || Object.keys(hash).length === 0) return;
      const { entityType, entityId } = keys.parse(key)!;
      const highWater: Record<string, number> = {};
      for (const [f, v] of Object.entries(hash)) {
        if (f.startsWith(HIGH_WATER_PREFIX)) highWater[f.slice(HIGH_WATER_PREFIX.length)] = Number(v);
      }
      const at = hash[FILL_TIME_FIELD];
      const id = `${entityType}|${shard}`;
      const group = groups.get(id) ?? { entityType, bound, entries: [] };
      group.entries.push({
        key,
        hash,
        snapshot: { entityId, highWater, atMs: at === undefined ? null : Number(at) },
        recent,
      });
      groups.set(id, group);
    });
  }

  const details: DriftDetail[] = [];
  const drifted = new Map<string, number[]>();
  let compared = 0;
  for (const { entityType, bound, entries } of groups.values()) {
    const types = new Set<string>();
    for (const e of entries) {
      for (const f of Object.keys(e.hash)) {
        const parsed = parseTimeframeField(f);
        if (parsed) types.add(keys.metricType(parsed.field));
      }
    }
    const truth = await positionBoundedTotals(
      options.clickhouse,
      entityType,
      entries.map((e) => e.snapshot),
      bound,
      [...types],
      options.table,
    );
    for (const e of entries) {
      compared++;
      let wrong = false;
      const ahead = recentAbove(e.recent, e.hash, e.snapshot, bound);
      for (const [f, v] of Object.entries(e.hash)) {
        const parsed = parseTimeframeField(f);
        if (!parsed) continue;
        const expected =
          (truth.get(e.snapshot.entityId)?.[keys.metricType(parsed.field)]?.[parsed.timeframe] ?? 0) +
          (ahead.get(f) ?? 0);
        if (Number(v) !== expected) {
          details.push({ key: e.key, field: f, cached: Number(v), expected });
          wrong = true;
        }
      }
      if (wrong) drifted.set(entityType, [...(drifted.get(entityType) ?? []), e.snapshot.entityId]);
    }
  }

  let repaired = 0;
  if (options.repair && drifted.size) {
    const filler = new CacheFiller({
      redis,
      clickhouse: options.clickhouse,
      keys,
      table: options.table,
      ttlSeconds: options.ttlSeconds ?? 3600,
      watermarkKey,
      now: Date.now,
    });
    // An empty request refills exactly the fields each hash already has.
    for (const [entityType, ids] of drifted) repaired += (await filler.fill(entityType, ids, [], [])).written;
  }
  const driftedCount = [...drifted.values()].reduce((n, ids) => n + ids.length, 0);
  return {
    sampled: compared,
    drifted: driftedCount,
    ratio: compared === 0 ? 0 : driftedCount / compared,
    details,
    repaired,
  };
}

/**
 * Sums, per hash field, the recent entries above what ClickHouse is asked for (per origin, the larger of the
 * hash's high water and `bound`), as the increment script applied them: to the bare field and to each
 * windowed field whose window, measured from the hash's `~at`, contains the entry's createdAt.
 */
function recentAbove(
  recent: readonly string[],
  hash: Record<string, string>,
  snapshot: CachedSnapshot,
  bound: Record<string, number>,
): Map<string, number> {
  const sums = new Map<string, number>();
  for (const entry of recent) {
    const [origin, seq, field, created, delta] = entry.split('\t') as [
      string,
      string,
      string,
      string,
      string,
    ];
    const above = Math.max(snapshot.highWater[origin] ?? -1, bound[origin] ?? -1);
    if (Number(seq) <= above) continue;
    const add = (f: string) => {
      if (f in hash) sums.set(f, (sums.get(f) ?? 0) + Number(delta));
    };
    add(field);
    if (snapshot.atMs === null) continue;
    for (const [tf, days] of Object.entries(TIMEFRAME_DAYS)) {
      if (Number(created) >= snapshot.atMs - days * 86_400_000) add(`${field}:${tf}`);
    }
  }
  return sums;
}

/** origin → applied watermark; the hash's `~` fields (metric-topic positions) name no origin. */
function watermarks(hash: Record<string, string>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(hash)
      .filter(([k]) => !k.startsWith(HASH_META_PREFIX))
      .map(([k, v]) => [k, Number(v)]),
  );
}
