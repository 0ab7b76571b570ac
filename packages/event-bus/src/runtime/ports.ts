/**
 * The ports of the pipeline: what the stages need from the systems around them, named for what they do.
 * Adapters live with their system (`kafka/`, `sinks/*`); in-memory ones in `testing/`. Nothing here knows
 * Kafka, ClickHouse or Redis: `assemblePipeline` wires the same stages whichever adapters it is given.
 */

import type { EntityMetricEvent } from '@engagement/plugin-api';
import type { KafkaRecord } from '../events/kafka-record.js';
import type { JsonLines } from '../metrics/json-lines.js';
import type { StoredRows } from '../metrics/stored-rows.js';
import type { ApplyStage } from './apply-stage.js';
import type { IngestStage } from './ingest-stage.js';

export type { JsonLines } from '../metrics/json-lines.js';
export type { TouchSink } from '../metrics/metric-touch.js';

/**
 * Offsets to commit: the next offset to read, per topic and partition, and the re-send filter's positions
 * for that offset as commit metadata (committed atomically with it).
 */
export type CommitOffsets = { topic: string; partition: number; offset: string; metadata?: string | null }[];

/** Why a record is dead-lettered. */
export interface DeadLetterReason {
  code: string;
  /** The code of the cause under `code` (e.g. `EB_DECODE_BAD_VALUE` under `EB_LISTENER_FAILED`). */
  causeCode?: string;
  message: string;
  /** The listener that kept failing; absent when the record itself could not be decoded. */
  listenerId?: string;
  attempts?: number;
}

/** Dead letters: durably stores a failed record with its reason, so its partition can move on. */
export interface DeadLetterSink {
  write(record: KafkaRecord, reason: DeadLetterReason): Promise<void>;
}

/** Metric store: the durable insert of metric events (ClickHouse); throws a retriable error while down. */
export interface MetricStore {
  /**
   * `lines`, when given, hold every event's row as the metric topic carried it (`metricEventJson`), in
   * order, as blocks of JSONEachRow bytes: what is inserted, instead of serialising the events again.
   */
  insert(events: readonly EntityMetricEvent[], lines?: readonly JsonLines[]): Promise<void>;
  /**
   * Inserts rows given only as their lines (`metricEventJson` of each event, as blocks of JSONEachRow bytes).
   * A store that has it lets the host keep just the lines of its buffered events, not the events.
   */
  insertLines?(lines: readonly JsonLines[]): Promise<void>;
}

/** One message of the metric topic: events as JSONEachRow text, keyed by origin. */
export interface MetricTopicMessage {
  key: string;
  /** JSONEachRow text, or its UTF-8 bytes. */
  value: string | Buffer;
  headers?: Record<string, string>;
}

/**
 * Metric publisher: sends one request of messages to the metric topic, acknowledged by every replica.
 * How events become messages and requests is the runtime's (`publishMetricEvents`).
 */
export interface MetricTopicWriter {
  send(messages: readonly MetricTopicMessage[]): Promise<void>;
}

/**
 * A metric-topic writer a worker-pool thread builds for itself (see `WorkerPoolOptions.metricTopic`): the
 * module named there exports `threadMetricTopic(settings, logger)` returning one.
 */
export interface ThreadMetricTopic extends MetricTopicWriter {
  close(): Promise<void>;
}

/** Where a batch sits in its metric-topic partition; the cache stores `next` with the batch's increments. */
export interface CachePosition {
  topic: string;
  partition: number;
  /** The offset the cache must hold at least for this batch to follow what it applied: the batch's first. */
  expected: string;
  /** The offset to read after this batch. */
  next: string;
}

/** What one `apply` of the cache did. */
export interface ApplyResult {
  applied: number;
  skipped: number;
  updatedKeys: string[];
  /**
   * Set when the cache holds an older position for the batch's partition than `expected`: it lost writes.
   * That part (Redis: that shard) applied nothing; read the partition again from this offset (the least such),
   * which the parts that did apply skip by their watermarks (Redis: see APPLY_INCREMENTS_LUA).
   */
  resumeAt?: string;
}

/** Cache sink: applies metric events to the cached totals once per origin position. */
export interface MetricCache {
  apply(events: readonly EntityMetricEvent[], position?: CachePosition): Promise<ApplyResult>;
  /** The metric-topic positions stored with the increments, per partition (undefined: none). */
  positions?(topic: string, partitions: readonly number[]): Promise<(string | undefined)[]>;
  /** Told which rows the store now holds (the cache trims its log); returns how many entries it dropped. */
  stored?(rows: StoredRows): Promise<number>;
}

/**
 * A cache sink a worker-pool thread builds for itself (see `WorkerPoolOptions.metricCache`): the module named
 * there exports `threadMetricCache(settings, logger)` returning one.
 */
export interface ThreadMetricCache {
  apply(events: readonly EntityMetricEvent[], position?: CachePosition): Promise<ApplyResult>;
  close(): Promise<void>;
}

/** Search queue: entity ids to re-index, per queue name (the queue keeps one entry per id). */
export interface SearchUpdateQueue {
  enqueueMany(byName: ReadonlyMap<string, Iterable<number>>): Promise<void>;
}

/** Offset commits: marks source records as done once what they produced is durable. */
export interface OffsetCommitter {
  commit(offsets: CommitOffsets): Promise<void>;
}

/** The stages a source of records feeds: source records to `ingest`, metric-topic records to `apply`. */
export interface PipelineStages {
  readonly ingest: IngestStage;
  readonly apply: ApplyStage;
}

/**
 * Source of records: delivers source records to the ingest stage and metric-topic records to the apply
 * stage, and commits the source offsets the ingest stage hands back (Kafka: one consumer group).
 */
export interface RecordSource extends OffsetCommitter {
  start(): Promise<void>;
  close(): Promise<void>;
  abort(): void;
}
