import type { KafkaRecord } from '../events/kafka-record.js';
import type { DeadLetterReason } from './dead-letters.js';

/** Counters the pipeline keeps; the host exports them as Prometheus metrics. */
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
    cacheRollbacks: 0,
    flushes: 0,
    lastFlushSeconds: 0,
    perListener: {},
  };
}

/** Where a batch went: the ClickHouse store (flush), the Redis metric cache, the search queue. */
export type PipelineSink = 'clickhouse' | 'redis' | 'search';

/**
 * Observations the pipeline reports as they happen, for histograms and labelled counters that running
 * totals cannot give (batch sizes, flush durations, dead letters by listener and code).
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
