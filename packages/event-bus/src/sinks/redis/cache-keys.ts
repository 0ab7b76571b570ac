/** How metric hashes are named in Redis: one hash per entity, one field per metric. */
export interface CacheKeyScheme {
  key(entityType: string, entityId: number): string;
  field(metricType: string): string;
  /** The entity a hash key names, or `null` for keys that are not metric hashes (drift check scans). */
  parse(key: string): { entityType: string; entityId: number } | null;
  /** The metric type a (bare, all-time) field holds: the inverse of `field`. */
  metricType(field: string): string;
  /** SCAN pattern matching every metric hash (and possibly more; `parse` filters). */
  pattern: string;
}

const KEY = /^metrics:([^:]+):(-?\d+)$/;

/** `metrics:<entityType>:<entityId>`, field = metric type; the reader fills the same names. */
export const defaultCacheKeys: CacheKeyScheme = {
  key: (entityType, entityId) => `metrics:${entityType}:${entityId}`,
  field: (metricType) => metricType,
  parse(key) {
    const m = KEY.exec(key);
    return m ? { entityType: m[1]!, entityId: Number(m[2]) } : null;
  },
  metricType: (field) => field,
  pattern: 'metrics:*',
};
