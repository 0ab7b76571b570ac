import type { KafkaRecord } from '../events/kafka-record.js';
import type { InstrumentationEvent, PipelineSink } from './instrumentation.js';
import type { DeadLetterReason } from './ports.js';
import { addListenerRuns } from './record-processor.js';

export type { PipelineSink } from './instrumentation.js';

/**
 * Running totals of one pipeline, for the status page and tests; kept by `recordStats` from the same
 * instrumentation events the host's Prometheus counters are fed by.
 */
export interface PipelineStats {
  consumed: number;
  /** Records that are no change (heartbeats, tombstones, transaction markers). */
  skipped: number;
  /** Changes dropped before listeners ran because their source had published them before (see `ResendFilter`). */
  resendsSkipped: number;
  /** Entities queued for recompute (distinct per flush; see `MetricEmitter.touch`). */
  touchesQueued: number;
  deadLetters: number;
  metricEventsStored: number;
  cacheEventsApplied: number;
  cacheEventsSkipped: number;
  cacheKeysUpdated: number;
  /** Metric-topic batches a worker pool's thread applied to the cache (a source backlog's large ones). */
  cacheBatchesOnThreads: number;
  /** Times Redis was found holding an older metric-topic position than applied (lost writes) and re-read. */
  cacheRollbacks: number;
  flushes: number;
  lastFlushSeconds: number;
  perListener: Record<string, { ok: number; retried: number; failed: number; seconds: number }>;
}

/** A zeroed stats object. */
export function emptyStats(): PipelineStats {
  return {
    consumed: 0,
    skipped: 0,
    resendsSkipped: 0,
    touchesQueued: 0,
    deadLetters: 0,
    metricEventsStored: 0,
    cacheEventsApplied: 0,
    cacheEventsSkipped: 0,
    cacheKeysUpdated: 0,
    cacheBatchesOnThreads: 0,
    cacheRollbacks: 0,
    flushes: 0,
    lastFlushSeconds: 0,
    perListener: {},
  };
}

/** Adds one instrumentation event to `stats`. */
export function recordStats(stats: PipelineStats, event: InstrumentationEvent): void {
  switch (event.type) {
    case 'ingest.batch.processed':
      stats.consumed += event.records;
      addListenerRuns(stats.perListener, event.listenerRuns);
      return;
    case 'ingest.record.skipped':
      stats.skipped++;
      return;
    case 'ingest.resend.skipped':
      stats.resendsSkipped++;
      return;
    case 'sink.clickhouse.stored':
      stats.metricEventsStored += event.rows;
      return;
    case 'sink.redis.applied':
      stats.cacheEventsApplied += event.applied;
      stats.cacheEventsSkipped += event.skipped;
      stats.cacheKeysUpdated += event.keysUpdated;
      if (event.onThread) stats.cacheBatchesOnThreads++;
      return;
    case 'sink.batch':
      if (event.sink !== 'clickhouse') return;
      stats.flushes++;
      stats.lastFlushSeconds = event.seconds;
      return;
    case 'recompute.touches.queued':
      stats.touchesQueued += event.count;
      return;
    case 'cache.rollback.detected':
      stats.cacheRollbacks++;
      return;
    case 'dead_letter.written':
      stats.deadLetters++;
      return;
  }
}

/**
 * Observations the pipeline reports as they happen, with their detail (the dead-lettered record, a failed
 * write's error), for the host's sink activity and status page. Counting is the instrumentation's job
 * (`EventPipelineOptions.instrumentation`): batches and dead letters are also emitted there.
 */
export interface PipelineObserver {
  /** A sink accepted one batch of `rows` rows in `seconds` (a ClickHouse flush includes publish and commit). */
  sinkBatch?(sink: PipelineSink, rows: number, seconds: number): void;
  /** A record was written to the dead-letter topic. */
  deadLetter?(reason: DeadLetterReason, record: KafkaRecord): void;
  /**
   * One attempt to write to a sink (`kafka`: publishing metric events) succeeded or failed; failed attempts
   * are retried. Lets the host show each sink's health and last error.
   */
  sinkAttempt?(sink: PipelineSink | 'kafka', outcome: SinkAttemptOutcome): void;
}

/** The outcome of one sink write attempt. */
export type SinkAttemptOutcome = { ok: true; rows: number; seconds: number } | { ok: false; error: unknown };
