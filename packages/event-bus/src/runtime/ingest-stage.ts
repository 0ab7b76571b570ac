import { EventBusError } from '../errors.js';
import type { Decoder } from '../events/decode.js';
import type { KafkaRecord } from '../events/kafka-record.js';
import type { DeadLetterSink } from '../kafka/dead-letters.js';
import { headerString } from '../kafka/records.js';
import type { EntityMetricEvent } from '../metrics/entity-metric-event.js';
import type { Dispatcher } from './dispatcher.js';
import { SinkGuard } from './sink-guard.js';

/** Header a redrive sets so only the listener that failed runs again. */
export const REDRIVE_LISTENER_HEADER = 'eb.redrive.listener';

/** Offsets to commit: the next offset to read, per topic and partition. */
export type CommitOffsets = { topic: string; partition: number; offset: string }[];

export interface IngestStageOptions {
  decode: Decoder;
  dispatcher: Dispatcher;
  deadLetters: DeadLetterSink;
  /** Durably stores metric events (ClickHouse); throws a retriable error while it is down. */
  store(events: EntityMetricEvent[]): Promise<void>;
  /** Publishes stored events to the metric topic (embedded mode); omitted when ClickHouse exports them. */
  publish?(events: EntityMetricEvent[]): Promise<void>;
  commit(offsets: CommitOffsets): Promise<void>;
  /** Flush when this many rows are buffered… */
  flushRows?: number;
  /** …or when the oldest buffered row is this old. */
  flushIntervalMs?: number;
  /** Hard bound: processing waits while this many rows are buffered. */
  maxBufferedRows?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  onSkip?(record: KafkaRecord, reason: string): void;
  onFlush?(rows: number, seconds: number): void;
  onSinkState?(healthy: boolean, error?: unknown): void;
}

/**
 * Source records → listeners → buffered metric events → ClickHouse (→ metric topic) → offset commit.
 *
 * Offsets are committed only after the rows derived from them were stored (and published). Records are
 * processed in order per partition and the buffer is flushed whole, so the offsets captured with a flush
 * cover exactly the rows in it. A crash anywhere before the commit replays those records; their metric
 * events get the same ids (ClickHouse collapses them) and the same origin positions (caches skip them).
 */
export class IngestStage {
  private buffer: EntityMetricEvent[] = [];
  private bufferedSince = 0;
  private processed = new Map<string, { topic: string; partition: number; offset: string }>();
  private flushing: Promise<void> | null = null;
  /** Rows taken by the flush in progress; they still occupy memory until it succeeds. */
  private flushingRows = 0;
  private readonly guard: SinkGuard;
  private readonly flushRows: number;
  private readonly flushIntervalMs: number;
  private readonly maxBufferedRows: number;

  constructor(private readonly options: IngestStageOptions) {
    this.flushRows = options.flushRows ?? 50_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 30_000;
    this.maxBufferedRows = options.maxBufferedRows ?? 4 * this.flushRows;
    this.guard = new SinkGuard(options);
  }

  /** Rows held in memory: waiting for the next flush, or in the flush in progress. */
  get bufferedRows(): number {
    return this.buffer.length + this.flushingRows;
  }

  /** False while the store keeps failing; the consumer pauses and readiness turns false. */
  get isHealthy(): boolean {
    return this.guard.isHealthy;
  }

  /** True when the buffer is at its bound and processing must wait for a flush. */
  get isFull(): boolean {
    return this.bufferedRows >= this.maxBufferedRows;
  }

  /** Processes one record: decode, dispatch, buffer; failures go to the dead-letter topic. */
  async process(record: KafkaRecord): Promise<void> {
    let decoded: ReturnType<Decoder>;
    try {
      decoded = this.options.decode(record);
    } catch (error) {
      const e = error instanceof EventBusError ? error : new EventBusError('EB_DECODE_FAILED', String(error));
      await this.options.deadLetters.write(record, { code: e.code, message: e.message });
      this.markProcessed(record);
      return;
    }
    if (decoded.kind === 'skip') {
      this.options.onSkip?.(record, decoded.reason);
      this.markProcessed(record);
      return;
    }
    const only = headerString(record, REDRIVE_LISTENER_HEADER);
    const result = await this.options.dispatcher.dispatch(decoded.event, only);
    for (const failure of result.failures) {
      await this.options.deadLetters.write(record, {
        code: failure.error.code,
        message: failure.error.message,
        listenerId: failure.listenerId,
        attempts: failure.attempts,
      });
    }
    if (result.metrics.length > 0) {
      if (this.buffer.length === 0) this.bufferedSince = Date.now();
      for (const m of result.metrics) this.buffer.push(m);
    }
    this.markProcessed(record);
  }

  /** True when the buffer should be flushed now (size or age). */
  flushDue(now = Date.now()): boolean {
    if (this.flushing) return false;
    if (this.buffer.length >= this.flushRows) return true;
    if (this.buffer.length > 0) return now - this.bufferedSince >= this.flushIntervalMs;
    return this.processed.size > 0 && now - this.bufferedSince >= this.flushIntervalMs;
  }

  /**
   * Stores, publishes and commits everything processed so far. Retries the store with backoff until it
   * succeeds or `signal` aborts; concurrent callers share one flush.
   */
  flush(signal?: AbortSignal): Promise<void> {
    this.flushing ??= this.doFlush(signal).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Forgets buffered work of partitions this consumer no longer owns; their new owner replays it. */
  forgetPartitions(keep: (topic: string, partition: number) => boolean): void {
    for (const [key, p] of this.processed) if (!keep(p.topic, p.partition)) this.processed.delete(key);
  }

  private async doFlush(signal?: AbortSignal): Promise<void> {
    const rows = this.buffer;
    const offsets = [...this.processed.values()];
    this.buffer = [];
    this.processed = new Map();
    this.bufferedSince = Date.now();
    this.flushingRows = rows.length;
    const started = performance.now();
    try {
      if (rows.length > 0) {
        await this.guard.run(() => this.options.store(rows), signal);
        if (this.options.publish) await this.guard.run(() => this.options.publish!(rows), signal);
      }
    } catch (error) {
      // Aborted while the sink was down: put the work back so a later flush (or a replay) covers it.
      this.buffer = rows.concat(this.buffer);
      for (const o of offsets) {
        const key = `${o.topic}:${o.partition}`;
        if (!this.processed.has(key)) this.processed.set(key, o);
      }
      throw error;
    } finally {
      this.flushingRows = 0;
    }
    if (offsets.length > 0) await this.options.commit(offsets);
    this.options.onFlush?.(rows.length, (performance.now() - started) / 1000);
  }

  private markProcessed(record: KafkaRecord): void {
    const next = (BigInt(record.offset) + 1n).toString();
    this.processed.set(`${record.topic}:${record.partition}`, {
      topic: record.topic,
      partition: record.partition,
      offset: next,
    });
  }
}
