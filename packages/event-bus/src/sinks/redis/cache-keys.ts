/** How metric hashes are named in Redis: one hash per entity, one field per metric, spread over shards. */
export interface CacheKeyScheme {
  /** How many shards the cache is split into; every key of one shard shares its hash tag (one Cluster slot). */
  shards: number;
  /** The shard an entity's hash, fill marker and recent list live in. */
  shardOf(entityType: string, entityId: number): number;
  key(entityType: string, entityId: number): string;
  field(metricType: string): string;
  /** The entity a hash key names, or `null` for keys that are not metric hashes (drift check scans). */
  parse(key: string): { entityType: string; entityId: number } | null;
  /** The metric type a (bare, all-time) field holds: the inverse of `field`. */
  metricType(field: string): string;
  /** SCAN pattern matching every metric hash (and possibly more; `parse` filters). */
  pattern: string;
}

/** Sixteen shards: up to 16 scripts per batch, enough slots to spread over a few Cluster masters. */
export const DEFAULT_CACHE_SHARDS = 16;

/** `{s<k>}`: the hash tag of shard k; Redis Cluster places every key carrying it in one slot. */
export const shardTag = (shard: number): string => `{s${shard}}`;

/** The hash tag a key carries (the text between its first `{` and the next `}`), or the whole key. */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/** Groups keys by hash tag, keeping their order inside each group: one script or MULTI per group. */
export function groupByTag<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const tag = hashTagOf(keyOf(item));
    const group = groups.get(tag) ?? [];
    group.push(item);
    groups.set(tag, group);
  }
  return [...groups.values()];
}

/** FNV-1a over the entity's name: stable across processes and releases, unlike any runtime hash. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Schemes `createCacheKeys` made: another thread or process can build them again from their shard count. */
const madeHere = new WeakSet<CacheKeyScheme>();

/** Whether `createCacheKeys(scheme.shards)` names keys as `scheme` does (it made the scheme). */
export const isCreatedCacheKeys = (scheme: CacheKeyScheme): boolean => madeHere.has(scheme);

const KEY = /^metrics:\{s(\d+)\}:([^:]+):(-?\d+)$/;

/**
 * `metrics:{s<k>}:<entityType>:<entityId>` with k = FNV-1a(`<entityType>:<entityId>`) mod `shards`; field =
 * metric type. One scheme for single-node Redis and Redis Cluster. Changing `shards` renames every key.
 */
export function createCacheKeys(shards = DEFAULT_CACHE_SHARDS): CacheKeyScheme {
  if (!Number.isSafeInteger(shards) || shards < 1) {
    throw new RangeError(`cache shards must be a positive integer, got ${shards}`);
  }
  const shardOf = (entityType: string, entityId: number) => fnv1a(`${entityType}:${entityId}`) % shards;
  const scheme: CacheKeyScheme = {
    shards,
    shardOf,
    key: (entityType, entityId) =>
      `metrics:${shardTag(shardOf(entityType, entityId))}:${entityType}:${entityId}`,
    field: (metricType) => metricType,
    parse(key) {
      const m = KEY.exec(key);
      return m ? { entityType: m[2]!, entityId: Number(m[3]) } : null;
    },
    metricType: (field) => field,
    pattern: 'metrics:{s*}:*',
  };
  madeHere.add(scheme);
  return scheme;
}

/** The default scheme ({@link DEFAULT_CACHE_SHARDS} shards); the reader fills the same names. */
export const defaultCacheKeys: CacheKeyScheme = createCacheKeys();

/**
 * Shard k's watermark hash: `<base>:{s<k>}`, holding that shard's watermarks, metric-topic positions and
 * `~ch:*` fields, in the slot of the shard's metric hashes.
 */
export const shardWatermarkKey = (base: string, shard: number): string => `${base}:${shardTag(shard)}`;

/** The shard of a key of this scheme (metric hash, marker, recent list), from its tag. */
export function shardOfKey(key: string): number {
  const tag = hashTagOf(key);
  const m = /^s(\d+)$/.exec(tag);
  if (!m) throw new RangeError(`not a sharded cache key: ${key}`);
  return Number(m[1]);
}

/**
 * The base name of the cache sink's watermark hashes for a cache scope (`eventbus:cache:watermarks:<scope>`,
 * or without a scope the sink's default); each shard's hash is `<base>:{s<k>}` (`shardWatermarkKey`). The
 * pipeline, the host and every tool that reads or repairs the watermarks name them through this.
 */
export function cacheWatermarkKey(cacheScope?: string): string {
  return `eventbus:cache:watermarks${cacheScope ? `:${cacheScope}` : ''}`;
}
