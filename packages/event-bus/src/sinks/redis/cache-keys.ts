/** How metric hashes are named in Redis: one hash per entity, one field per metric. */
export interface CacheKeyScheme {
  key(entityType: string, entityId: number): string;
  field(metricType: string): string;
}

/** `metrics:<entityType>:<entityId>`, field = metric type; the reader fills the same names. */
export const defaultCacheKeys: CacheKeyScheme = {
  key: (entityType, entityId) => `metrics:${entityType}:${entityId}`,
  field: (metricType) => metricType,
};
