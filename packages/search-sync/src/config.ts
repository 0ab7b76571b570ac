import type { ClickHouseClient } from '@clickhouse/client';
import type { Instrumentation } from '@engagement/event-bus/runtime';
import type { MetricTimeframe } from '@engagement/event-bus/sinks/clickhouse';
import type { RedisClient } from '@engagement/event-bus/sinks/redis';
import type { Logger } from '@engagement/plugin-api';
import type { FeedDefinition, Queryable } from './feed/feed-definition.js';
import type { MetricFieldName } from './metrics/metric-fields.js';

/** One Meilisearch index search-sync writes to. */
export interface SearchIndexConfig {
  uid: string;
  /** Whose metrics its documents carry, e.g. `Model`; also the name of the queues it drains. */
  entityType: string;
  /** Default `id`. */
  primaryKey?: string;
  /**
   * Metric types sent (every one, per timeframe, 0 when no events), also declared sortable. Omitted: every
   * type ClickHouse has for the entity, and nothing is declared sortable for them.
   */
  metricTypes?: readonly string[];
  /** Default: every timeframe (day, week, month, year, all). */
  timeframes?: readonly MetricTimeframe[];
  /** Makes this a feed index: search-sync creates and deletes its documents from Postgres rows. */
  feed?: FeedDefinition;
  /** Added to the feed's attributes and applied at start. */
  filterableAttributes?: readonly string[];
  sortableAttributes?: readonly string[];
}

/** Options of `createSearchSync`. */
export interface SearchSyncOptions {
  redis: RedisClient;
  clickhouse: ClickHouseClient;
  meilisearch: { host: string; apiKey?: string };
  /** Needed by feed indexes: feed documents are read from the app's Postgres. */
  postgres?: Queryable;
  /** Cron expression of the regular flush (node-cron syntax); default every 5 minutes. */
  schedule?: string;
  /** Flush early when this many ids wait in total (default 10 000); 0 disables it. */
  threshold?: number;
  /** How often queue sizes are checked against the threshold (default 10 s). */
  thresholdCheckMs?: number;
  /** Default `defaultSearchIndexes()`. */
  indexes?: readonly SearchIndexConfig[];
  logger?: Logger;
  /** Redis key prefix of the queues and the lock (default `search:`). */
  keyPrefix?: string;
  /** Most ids per entity type and round; a flush runs rounds until the queues are drained (default 5 000). */
  batchSize?: number;
  /**
   * Ids per ClickHouse query and per Meilisearch request within a round (default 2 500). Chunks overlap:
   * one chunk's query runs while the previous chunk's documents are built and applied.
   */
  chunkSize?: number;
  /** Most rounds per flush, so one flush cannot run forever under heavy traffic (default 50). */
  maxRounds?: number;
  /** Lock expiry, extended after every round (default 120 s). */
  lockTtlMs?: number;
  /** Retry after a failed flush: exponential backoff between these bounds (default 1 s … 5 min). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * How long one HTTP request to Meilisearch may take (default 30 s). A server that accepts connections and
   * never answers would otherwise hold a flush for the HTTP client's own limit (5 minutes), with no failure
   * reported and the flush lock expiring meanwhile.
   */
  requestTimeoutMs?: number;
  /** How long to wait for a Meilisearch task (default 60 s). */
  taskTimeoutMs?: number;
  /** The longest pause between polls of a Meilisearch task (default 100 ms; polls start 5 ms apart and back off). */
  taskPollMs?: number;
  /** Metric table in ClickHouse (default `entityMetricEvents`). */
  metricTable?: string;
  /** Names metric fields (default `likeCount` + `Week` → `likeCountWeek`, `all` → `AllTime`). */
  fieldName?: MetricFieldName;
  /** Averages computed from a sum and a count (default `rating` = ratingSum / ratingCount). */
  ratios?: Readonly<Record<string, readonly [string, string]>>;
  /** Clock, for tests. */
  now?: () => Date;
  /** Where flushes are reported as they end (`search.flush.ended`), e.g. the host's instrumentation channel. */
  instrumentation?: Pick<Instrumentation, 'emit'>;
}
