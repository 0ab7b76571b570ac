// What a flush of SearchSync (search-sync.ts) reports: why it ran, how it ended, and the running counters.

/** Why a flush ran. */
export type FlushReason = 'schedule' | 'threshold' | 'retry' | 'manual';

/** The outcome of one flush. */
export type FlushResult =
  | {
      status: 'flushed';
      reason: FlushReason;
      rounds: number;
      metricIds: number;
      feedIds: number;
      /** Ids queued because their windowed metrics changed by time alone (see WindowAging). */
      agedIds: number;
      ms: number;
    }
  | { status: 'locked'; reason: FlushReason }
  | { status: 'failed'; reason: FlushReason; error: Error };

/** Counters and the last outcome, for the host's status page and metrics. */
export interface SearchSyncStats {
  /** Ids waiting per entity type (metric and feed queues). */
  queued: { metrics: Record<string, number>; feed: Record<string, number> };
  flushes: number;
  failures: number;
  consecutiveFailures: number;
  settingsApplied: boolean;
  lastFlush: FlushResult | null;
  lastSuccessAt: Date | null;
  clickhouseQueries: number;
  feedQueries: number;
  meilisearchDocumentRequests: number;
}
