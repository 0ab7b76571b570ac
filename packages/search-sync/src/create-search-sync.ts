import { METRIC_TIMEFRAMES } from '@engagement/event-bus/sinks/clickhouse';
import { type HostProvision, silentLogger } from '@engagement/plugin-api';
import { Meilisearch } from 'meilisearch';
import cron from 'node-cron';
import type { SearchSyncOptions } from './config.js';
import { defaultSearchIndexes } from './default-indexes.js';
import { SearchSyncError } from './errors.js';
import { FlushLock } from './flush/flush-lock.js';
import type { FlushResult, SearchSyncStats } from './flush/flush-result.js';
import { Flusher } from './flush/flusher.js';
import { WindowAging } from './flush/window-aging.js';
import { feedQueueToken } from './listeners/feed-queue-token.js';
import { IndexWriter } from './meili/index-writer.js';
import { metricFieldNames } from './metrics/metric-fields.js';
import { SearchUpdateQueues } from './queue/update-queues.js';
import { SearchSync } from './search-sync.js';

/** What `createSearchSync` returns to the host. */
export interface SearchSyncService {
  /** Applies index settings, starts the 5-minute schedule and the threshold check. */
  start(): Promise<void>;
  /** Stops scheduling, waits for a running flush. */
  stop(): Promise<void>;
  /** Flushes now; also what tests and an admin command call. */
  flushNow(): Promise<FlushResult>;
  stats(): Promise<SearchSyncStats>;
  /** The queues, e.g. to queue ids by hand (backfill) or inspect them. */
  queues: SearchUpdateQueues;
  /** Pass as `searchIndexes` to `createEventPipeline`: entity type → queue name (the entity type). */
  queueNames: Record<string, string>;
  /** Register these with the host container; the listener plugin's feed queue is among them. */
  provisions: HostProvision[];
}

/**
 * Builds search-sync from the host's connections. Nothing runs until `start()`: metric ids queued by the
 * pipeline and feed ids queued by `searchSyncPlugin` wait in Redis until a flush drains them.
 */
export function createSearchSync(options: SearchSyncOptions): SearchSyncService {
  const indexes = options.indexes ?? defaultSearchIndexes();
  const uids = new Set<string>();
  for (const index of indexes) {
    if (uids.has(index.uid))
      throw new SearchSyncError('SS_CONFIG_INVALID', `index ${index.uid} is listed twice`, {
        retriable: false,
      });
    uids.add(index.uid);
    if (index.feed && index.feed.entityType !== index.entityType) {
      throw new SearchSyncError(
        'SS_CONFIG_INVALID',
        `index ${index.uid}: feed of ${index.feed.entityType} on ${index.entityType}`,
        { retriable: false },
      );
    }
    if (index.feed && !options.postgres) {
      throw new SearchSyncError(
        'SS_CONFIG_INVALID',
        `index ${index.uid} is a feed index and needs \`postgres\``,
        { retriable: false },
      );
    }
  }
  const schedule = options.schedule ?? '*/5 * * * *';
  if (!cron.validate(schedule))
    throw new SearchSyncError('SS_CONFIG_INVALID', `invalid cron expression "${schedule}"`, {
      retriable: false,
    });
  const prefix = options.keyPrefix ?? 'search:';
  const logger = (options.logger ?? silentLogger).child({ component: 'search-sync' });
  const queues = new SearchUpdateQueues(options.redis, prefix);
  const client = new Meilisearch({
    host: options.meilisearch.host,
    apiKey: options.meilisearch.apiKey,
    timeout: options.requestTimeoutMs ?? 30_000,
  });
  const writer = new IndexWriter(client, {
    taskTimeoutMs: options.taskTimeoutMs,
    pollMs: options.taskPollMs,
  });
  const batchSize = options.batchSize ?? 5000;
  const flusher = new Flusher({
    queues,
    writer,
    clickhouse: options.clickhouse,
    postgres: options.postgres,
    logger,
    batchSize,
    chunkSize: options.chunkSize ?? 2500,
    metricTable: options.metricTable ?? 'entityMetricEvents',
    fieldName: options.fieldName,
    ratios: options.ratios,
    now: options.now ?? (() => new Date()),
  });
  const sync = new SearchSync({
    queues,
    aging: new WindowAging({
      redis: options.redis,
      clickhouse: options.clickhouse,
      queues,
      markKey: `${prefix}windows-aged-until`,
      metricTable: options.metricTable ?? 'entityMetricEvents',
      now: options.now ?? (() => new Date()),
      logger,
    }),
    lock: new FlushLock(options.redis, `${prefix}flush-lock`, options.lockTtlMs ?? 120_000),
    flusher,
    writer,
    indexes,
    logger,
    schedule,
    threshold: options.threshold ?? 10_000,
    thresholdCheckMs: options.thresholdCheckMs ?? 10_000,
    batchSize,
    maxRounds: options.maxRounds ?? 50,
    metricFieldNames: (index) =>
      metricFieldNames(index.metricTypes ?? [], {
        timeframes: index.timeframes ?? METRIC_TIMEFRAMES,
        fieldName: options.fieldName,
        ratios: options.ratios,
      }),
    retryBaseMs: options.retryBaseMs ?? 1000,
    retryMaxMs: options.retryMaxMs ?? 300_000,
    emit: options.instrumentation && ((event) => options.instrumentation?.emit(event)),
  });
  return {
    start: () => sync.start(),
    stop: () => sync.stop(),
    flushNow: () => sync.flushNow(),
    stats: () => sync.stats(),
    queues,
    queueNames: Object.fromEntries(sync.entityTypes.map((t) => [t, t])),
    provisions: [{ token: feedQueueToken, value: queues }],
  };
}
