import type { EntityMetricEvent } from '@engagement/plugin-api';
import type { KafkaRecord } from '../events/kafka-record.js';
import type { TouchSink } from '../metrics/metric-touch.js';
import type { StoredRows } from '../metrics/stored-rows.js';
import type { EncodedMetrics } from './encoded-metrics.js';
import type { CommitOffsets, DeadLetterSink, JsonLines } from './ports.js';
import type { BatchOutcome, RecordProcessor } from './record-processor.js';
import type { ResendFilter } from './resend-filter.js';

/** The rows `publish` sent, which the stage buffers for the store: one line per event, in order. */
export interface PublishedRows {
  /** Each event's row as `metricEventJson`. */
  json: readonly string[];
  /** The same lines as JSONEachRow bytes, when they were encoded already (see `EncodedMetrics`). */
  lines?: Uint8Array;
}

/** What the ingest stage (ingest-stage.ts) is built from: its processor, sinks, flush bounds and observers. */
export interface IngestStageOptions {
  /** Decodes and dispatches (on this thread or a worker pool). */
  processor: RecordProcessor;
  deadLetters: DeadLetterSink;
  /**
   * Durably stores metric events (ClickHouse); throws a retriable error while it is down. `lines` are what
   * `publish` returned for them, as JSONEachRow bytes (`JsonLinesBuffer`), when it returned rows for every batch.
   */
  store(events: EntityMetricEvent[], lines?: readonly JsonLines[]): Promise<void>;
  /**
   * Stores rows given as their lines only (see `MetricStore.insertLines`). When given, the stage keeps no event
   * objects between flushes, only their lines and a `StoredRows` summary, and `store` is not called.
   */
  storeLines?(lines: readonly JsonLines[]): Promise<void>;
  /**
   * Publishes metric events to the metric topic as soon as a batch is processed, before they are stored, so
   * caches are incremented without waiting for the store's flush (embedded mode); omitted when ClickHouse
   * exports the stored rows itself. May return the rows it sent (`PublishedRows`), which `store` is then given
   * so the rows are serialised once. `encoded`: the events already serialised (by a pool thread), to send as they are;
   * `events` is undefined when the thread sent them as text only (`encoded.eventsLeftOut`).
   */
  publish?(
    events: EntityMetricEvent[] | undefined,
    encoded?: EncodedMetrics,
  ): Promise<PublishedRows | undefined>;
  /**
   * Told after each insert which events the store now holds (best effort: the cache trims its log of events
   * ClickHouse may not hold yet). A failure is reported through `onStoredError` and does not stop the flush.
   */
  stored?(rows: StoredRows): Promise<void>;
  onStoredError?(error: unknown): void;
  commit(offsets: CommitOffsets): Promise<void>;
  /**
   * Queues the entities listeners touched (see `MetricEmitter.touch`) for recompute: after the flush's
   * events are stored (they were published when processed), before its offsets are committed, so a crash replays and re-touches.
   * Without it touches are dropped (and the touched metrics are not kept).
   */
  touches?: TouchSink;
  /**
   * Queues search-index updates for a flush's events once they are stored and before its offsets are
   * committed (a search flush reads ClickHouse, so queueing them earlier would index the old totals).
   */
  queueForSearch?(rows: StoredRows): Promise<void>;
  /** Recognises re-sent changes before listeners run (see `ResendFilter`); without it every change runs. */
  resends?: ResendFilter;
  /** Flush when this many rows are buffered… */
  flushRows?: number;
  /** …or when the oldest buffered row is this old. */
  flushIntervalMs?: number;
  /** Hard bound: processing waits while this many rows are buffered. */
  maxBufferedRows?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  onSkip?(record: KafkaRecord, reason: string): void;
  /** After each processed batch: how many records, and the listener runs they took. */
  onProcessed?(records: number, outcome: BatchOutcome): void;
  onFlush?(rows: number, seconds: number): void;
  onSinkState?(healthy: boolean, error?: unknown): void;
}
