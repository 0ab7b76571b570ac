import { CodedError } from '@engagement/plugin-api';

/**
 * The search-sync error catalog, a `CodedError` like every catalog. Each error carries a stable `code` and
 * whether retrying can help: Meilisearch or ClickHouse being down is retriable, a rejected document or bad
 * configuration is not.
 */
export class SearchSyncError extends CodedError<SearchSyncErrorCode> {
  /** `retriable` defaults to true: a flush that failed is tried again unless the error says it cannot help. */
  constructor(
    code: SearchSyncErrorCode,
    message: string,
    options: { retriable?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, { retriable: options.retriable ?? true, cause: options.cause });
  }
}

export type SearchSyncErrorCode =
  /** The configuration is invalid (unknown cron expression, duplicate index uid, …). */
  | 'SS_CONFIG_INVALID'
  /** Reading metrics from ClickHouse failed. */
  | 'SS_METRICS_READ_FAILED'
  /** Reading feed rows from Postgres failed. */
  | 'SS_FEED_READ_FAILED'
  /** A Meilisearch request failed (network, HTTP error). */
  | 'SS_MEILISEARCH_UNAVAILABLE'
  /** Meilisearch accepted a task and then reported it failed. */
  | 'SS_TASK_FAILED'
  /** The flush lock was lost (expired) while flushing; another instance may have taken over. */
  | 'SS_LOCK_LOST';
