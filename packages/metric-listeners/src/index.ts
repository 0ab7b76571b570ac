/**
 * @engagement/metric-listeners: the metric listener plugins, one per owning team, and the related-id
 * lookups they share. The host loads `plugins` by package name and
 * provides the app database client (`appDbToken` of @engagement/plugin-api).
 */
import { articleMetricsPlugin } from './article/index.js';
import { bountyMetricsPlugin } from './bounty/index.js';
import { collectionMetricsPlugin } from './collection/index.js';
import { imageMetricsPlugin } from './image/index.js';
import { lookupsPlugin } from './lookups/index.js';
import { modelMetricsPlugin } from './model/index.js';
import { postMetricsPlugin } from './post/index.js';
import { tagMetricsPlugin } from './tag/index.js';
import { userMetricsPlugin } from './user/index.js';

export {
  articleMetricsPlugin,
  bountyMetricsPlugin,
  collectionMetricsPlugin,
  imageMetricsPlugin,
  lookupsPlugin,
  modelMetricsPlugin,
  postMetricsPlugin,
  tagMetricsPlugin,
  userMetricsPlugin,
};

/** Every plugin of this package, for hosts that load the package whole (the lookups first). */
export const plugins = [
  lookupsPlugin,
  userMetricsPlugin,
  modelMetricsPlugin,
  imageMetricsPlugin,
  postMetricsPlugin,
  collectionMetricsPlugin,
  tagMetricsPlugin,
  articleMetricsPlugin,
  bountyMetricsPlugin,
];

export type { MetricTruth, TruthSource } from '@engagement/plugin-api';
export {
  defineMetricListener,
  type MetricListener,
  type MetricListenerDeclaration,
  type MetricListenerSpec,
} from './counting/define-metric-listener.js';
export type { Contribution, EntityType, MetricMove, SourceOp } from './counting/metric-move.js';
export { clickhouseTruth, type PostgresTruthSpec, postgresTruth } from './counting/truth-sql.js';
export { MetricListenerError, type MetricListenerErrorCode } from './errors.js';
export { BatchLookup, type BatchLookupOptions, type LoadedRow } from './lookups/batch-lookup.js';
export type { Lookup, LookupStats } from './lookups/lookup.js';
export {
  collectionLookupToken,
  imageLookupToken,
  modelLookupToken,
  modelVersionLookupToken,
  threadLookupToken,
} from './lookups/lookup-tokens.js';
export { type MemoryLookupOptions, memoryLookup } from './lookups/memory-lookup.js';
export { type ParentTable, parentTables } from './lookups/parent-tables.js';
export type {
  CollectionRelations,
  ImageRelations,
  ModelRelations,
  ModelVersionRelations,
  ThreadRelations,
} from './lookups/relations.js';
