import { type InstrumentationEvent, RetryPolicy } from '@engagement/event-bus/runtime';
import type { Logger } from '@engagement/plugin-api';
import cron, { type ScheduledTask } from 'node-cron';
import type { SearchIndexConfig } from './config.js';
import { SearchSyncError } from './errors.js';
import type { FlushLock } from './flush/flush-lock.js';
import type { FlushReason, FlushResult, SearchSyncStats } from './flush/flush-result.js';
import type { Flusher, GroupResult } from './flush/flusher.js';
import type { WindowAging } from './flush/window-aging.js';
import type { IndexWriter } from './meili/index-writer.js';
import type { SearchUpdateQueues } from './queue/update-queues.js';

export interface SearchSyncParts {
  queues: SearchUpdateQueues;
  lock: FlushLock;
  flusher: Flusher;
  aging: WindowAging;
  writer: IndexWriter;
  indexes: readonly SearchIndexConfig[];
  logger: Logger;
  schedule: string;
  threshold: number;
  thresholdCheckMs: number;
  batchSize: number;
  maxRounds: number;
  /** Metric field names of an index, declared sortable on feed indexes. */
  metricFieldNames(index: SearchIndexConfig): string[];
  retryBaseMs: number;
  retryMaxMs: number;
  /** Where each flush's end is reported as it happens (the host's Prometheus counters subscribe). */
  emit?(event: InstrumentationEvent): void;
}

/**
 * Runs flushes: on the cron schedule, early when the queues pass the threshold, again with backoff after a
 * retriable failure (the one `RetryPolicy`; a non-retriable one, such as a document Meilisearch rejects,
 * waits for the schedule, as retrying at once would fail the same way), or on demand. One flush at a time in this process (a shared promise) and across instances (the
 * Redis lock). Settings are applied at start and, if Meilisearch was down then, before the next flush.
 */
export class SearchSync {
  private cronTask: ScheduledTask | null = null;
  private thresholdTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private running: Promise<FlushResult> | null = null;
  private settingsApplied = false;
  private stopped = true;
  private counters = { flushes: 0, failures: 0, consecutiveFailures: 0 };
  private lastFlush: FlushResult | null = null;
  private lastSuccessAt: Date | null = null;
  private lastFailureMs = 0;
  private readonly groups: Map<string, SearchIndexConfig[]>;
  private readonly retry: RetryPolicy;

  constructor(private readonly parts: SearchSyncParts) {
    this.retry = new RetryPolicy({
      maxAttempts: Number.POSITIVE_INFINITY,
      baseMs: parts.retryBaseMs,
      maxMs: parts.retryMaxMs,
    });
    this.groups = new Map();
    for (const index of parts.indexes) {
      this.groups.set(index.entityType, [...(this.groups.get(index.entityType) ?? []), index]);
    }
  }

  /** Entity types with a queue; give `queueNames` to the pipeline as `searchIndexes`. */
  get entityTypes(): string[] {
    return [...this.groups.keys()];
  }

  /** Applies index settings and starts the schedule and the threshold check. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.applySettings().catch((err) =>
      this.parts.logger.warn({ err }, 'search.settings.failed (retried before the next flush)'),
    );
    this.cronTask = cron.schedule(this.parts.schedule, () => void this.trigger('schedule'), {
      name: 'search-sync.flush',
      noOverlap: true,
    });
    if (this.parts.threshold > 0) {
      this.thresholdTimer = setInterval(() => void this.checkThreshold(), this.parts.thresholdCheckMs);
      this.thresholdTimer.unref();
    }
  }

  /** Stops scheduling and waits for a flush in progress. Queued ids stay in Redis for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.cronTask?.destroy();
    this.cronTask = null;
    if (this.thresholdTimer) clearInterval(this.thresholdTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.thresholdTimer = this.retryTimer = null;
    await this.running?.catch(() => undefined);
  }

  /** Flushes now (after the flush in progress, if any) and returns what happened. */
  async flushNow(): Promise<FlushResult> {
    if (this.running) await this.running;
    return this.trigger('manual');
  }

  async stats(): Promise<SearchSyncStats> {
    const { flusher, writer } = this.parts;
    return {
      queued: await this.parts.queues.sizes(this.entityTypes),
      ...this.counters,
      settingsApplied: this.settingsApplied,
      lastFlush: this.lastFlush,
      lastSuccessAt: this.lastSuccessAt,
      clickhouseQueries: flusher.clickhouseQueries + this.parts.aging.queries,
      feedQueries: flusher.feedQueries,
      meilisearchDocumentRequests: writer.documentRequests,
    };
  }

  private trigger(reason: FlushReason): Promise<FlushResult> {
    this.running ??= this.flush(reason).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async checkThreshold(): Promise<void> {
    // After a failure, the retry's backoff (or, after a non-retriable one, the schedule) decides when to
    // try again: a queue past the threshold would otherwise retry at every check.
    const idle = () => !this.running && !this.stopped && this.counters.consecutiveFailures === 0;
    if (!idle()) return;
    try {
      const { metrics, feed } = await this.parts.queues.sizes(this.entityTypes);
      const total = [...Object.values(metrics), ...Object.values(feed)].reduce((a, b) => a + b, 0);
      // Checks overlap when reading the sizes takes longer than the interval: one begun before a flush
      // failed must not start another one after it.
      if (total >= this.parts.threshold && idle()) await this.trigger('threshold');
    } catch (err) {
      this.parts.logger.warn({ err }, 'search.threshold.check_failed');
    }
  }

  private async flush(reason: FlushReason): Promise<FlushResult> {
    const { lock, logger } = this.parts;
    const started = performance.now();
    let result: FlushResult;
    try {
      const token = await lock.acquire();
      if (!token) {
        // Another instance flushes. One that succeeded after this one's last failure took the ids this one
        // failed on: that failure is past (sink_up, the threshold check and the retry go by it).
        if (this.counters.consecutiveFailures > 0) {
          const fleetSuccess = await lock.lastSuccessMs().catch(() => 0);
          if (fleetSuccess > this.lastFailureMs) this.recovered();
        }
        this.lastFlush = { status: 'locked', reason };
        return this.lastFlush;
      }
      try {
        if (!this.settingsApplied) await this.applySettings();
        const agedIds = await this.parts.aging.queueAged(this.groups);
        const totals = await this.drain(token);
        await lock.recordSuccess(Date.now()).catch(() => undefined);
        result = {
          status: 'flushed',
          reason,
          ...totals,
          agedIds,
          ms: Math.round(performance.now() - started),
        };
      } finally {
        await lock.release(token).catch(() => undefined);
      }
      this.counters.consecutiveFailures = 0;
      this.lastSuccessAt = new Date();
      logger.info(result, 'search.flush.end');
    } catch (error) {
      result = { status: 'failed', reason, error: error as Error };
      this.counters.failures++;
      this.counters.consecutiveFailures++;
      this.lastFailureMs = Date.now();
      logger.warn({ err: error, reason }, 'search.flush.failed');
      if (this.retry.shouldRetry(error, this.counters.consecutiveFailures)) this.scheduleRetry();
    }
    this.counters.flushes++;
    this.parts.emit?.({ type: 'search.flush.ended', failed: result.status === 'failed' });
    this.lastFlush = result;
    return result;
  }

  /** Rounds over every entity type until the queues are empty or `maxRounds` is reached. */
  private async drain(token: string): Promise<{ rounds: number; metricIds: number; feedIds: number }> {
    const { flusher, lock, maxRounds } = this.parts;
    let rounds = 0;
    let metricIds = 0;
    let feedIds = 0;
    while (rounds < maxRounds) {
      rounds++;
      const results: GroupResult[] = [];
      for (const [entityType, indexes] of this.groups)
        results.push(await flusher.flushGroup(entityType, indexes));
      metricIds += results.reduce((n, r) => n + r.metricIds, 0);
      feedIds += results.reduce((n, r) => n + r.feedIds, 0);
      const full = results.some((r) => Math.max(r.metricIds, r.feedIds) >= this.parts.batchSize);
      if (!full) break;
      if (!(await lock.extend(token)))
        throw new SearchSyncError('SS_LOCK_LOST', 'flush lock expired while flushing');
    }
    return { rounds, metricIds, feedIds };
  }

  /** Another instance flushed since this one failed: no failure is current, no retry is due. */
  private recovered(): void {
    this.counters.consecutiveFailures = 0;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.retry.delayMs(this.counters.consecutiveFailures);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.trigger('retry');
    }, delay);
    this.retryTimer.unref();
  }

  /**
   * Feed indexes get their feed's filterable and sortable attributes plus their metric fields as sortable.
   * Other indexes belong to someone else: their settings are touched only when configured explicitly,
   * because a settings update replaces the whole attribute list.
   */
  private async applySettings(): Promise<void> {
    for (const index of this.parts.indexes) {
      const feed = index.feed;
      const filterable = unique(feed?.filterableAttributes, index.filterableAttributes);
      const sortable = unique(
        feed?.sortableAttributes,
        feed && this.parts.metricFieldNames(index),
        index.sortableAttributes,
      );
      if (!feed && filterable.length === 0 && sortable.length === 0) continue;
      await this.parts.writer.applySettings(index.uid, index.primaryKey ?? 'id', {
        filterableAttributes: filterable,
        sortableAttributes: sortable,
      });
    }
    this.settingsApplied = true;
  }
}

const unique = (...lists: (readonly string[] | undefined)[]): string[] => [
  ...new Set(lists.flatMap((l) => l ?? [])),
];
