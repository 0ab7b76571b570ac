/**
 * @engagement/search-sync: keeps Meilisearch current without rewriting documents. Metric fields of queued
 * entities are refreshed from ClickHouse every 5 minutes in one partial update per index; feed indexes for
 * models and posts are kept current from Postgres. `createSearchSync` builds the service the host starts;
 * `searchSyncPlugin` is the listener plugin that queues feed changes. The Meilisearch fake lives in
 * `@engagement/search-sync/testing`.
 */
export type { SearchIndexConfig, SearchSyncOptions } from './config.js';
export { createSearchSync, type SearchSyncService } from './create-search-sync.js';
export {
  defaultSearchIndexes,
  IMAGE_METRIC_TYPES,
  MODEL_METRIC_TYPES,
  POST_METRIC_TYPES,
} from './default-indexes.js';
export { SearchSyncError, type SearchSyncErrorCode } from './errors.js';
export type { FeedDefinition, FeedDocument, FeedTrigger, Queryable } from './feed/feed-definition.js';
export { modelFeed } from './feed/model-feed.js';
export { postFeed } from './feed/post-feed.js';
export type { FlushReason, FlushResult, SearchSyncStats } from './flush/flush-result.js';
export { type FeedQueue, feedQueueToken } from './listeners/feed-queue-token.js';
export { createSearchSyncPlugin, searchSyncPlugin } from './listeners/search-sync-plugin.js';
export {
  DEFAULT_RATIOS,
  defaultMetricFieldName,
  type MetricFieldName,
  metricFields,
} from './metrics/metric-fields.js';
export { SearchUpdateQueues } from './queue/update-queues.js';
