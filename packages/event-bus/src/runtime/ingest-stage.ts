import type { EntityMetricEvent } from '@engagement/plugin-api';
import type { KafkaRecord } from '../events/kafka-record.js';
import { JsonLinesBuffer } from '../metrics/json-lines.js';
import { metricEventJson } from '../metrics/metric-event-row.js';
import { decodeMetricMessage } from '../metrics/metric-message.js';
import { distinctTouches, type MetricTouch } from '../metrics/metric-touch.js';
import { StoredRows } from '../metrics/stored-rows.js';
import { dispatchedMetrics, type LeftOutEvents } from './encoded-metrics.js';
import type { IngestStageOptions, PublishedRows } from './ingest-stage-options.js';
import { encodePositions, type PartitionPositions } from './ordered-positions.js';
import type { BatchOutcome } from './record-processor.js';
import type { ChunkAdmission } from './resend-filter.js';
import { SinkGuard } from './sink-guard.js';

export type { IngestStageOptions } from './ingest-stage-options.js';
export type { CommitOffsets } from './ports.js';
export { REDRIVE_LISTENER_HEADER, REDRIVEN_FROM_HEADER } from './record-processor.js';

/** Buffer room held for a chunk of records while it is processed (see `IngestStage.reserve`). */
export interface Reservation {
  records: number;
  rows: number;
}

/** A partition's next offset to read, and the re-send filter's positions up to it. */
interface Processed {
  topic: string;
  partition: number;
  offset: string;
  positions?: PartitionPositions;
}

/**
 * Source records → listeners → metric topic (at once) and buffered metric events → ClickHouse → offset commit.
 *
 * Offsets are committed only after the rows derived from them were published and stored. Records are
 * processed in order per partition and the buffer is flushed whole, so the offsets captured with a flush
 * cover exactly the rows in it. A crash anywhere before the commit replays those records; their metric
 * events get the same ids (ClickHouse collapses them) and the same origin positions (caches skip them).
 * A change its source published again at a new offset is a re-send, not a replay: the re-send filter drops
 * it before listeners run, and its positions are committed with the offsets so a replay decides the same.
 */
export class IngestStage {
  /**
   * The buffered events as objects, kept only for a store without `storeLines`. With it the stage keeps their
   * lines (`bufferLines`) and what the steps after the insert need (`bufferRows`), and no event.
   */
  private buffer: EntityMetricEvent[] = [];
  /**
   * The buffered events' rows as JSONEachRow bytes (what `publish` returned, or serialised here for a batch it
   * did not return them for when the store takes lines): complete when it holds as many rows as `bufferRows`.
   */
  private bufferLines = new JsonLinesBuffer();
  private bufferRows = new StoredRows();
  private touched: MetricTouch[] = [];
  private bufferedSince = 0;
  private processed = new Map<string, Processed>();
  private flushing: Promise<void> | null = null;
  /** Buffer room promised to chunks being processed. */
  private reservedRows = 0;
  /** The most metric events one record has produced; sizes reservations (a guess until seen). */
  private rowsPerRecord = 4;
  /** Rows taken by the flush in progress; they still occupy memory until it succeeds. */
  private flushingRows = 0;
  private readonly guard: SinkGuard;
  private failing: string | undefined;
  private readonly flushRows: number;
  private readonly flushIntervalMs: number;
  private readonly maxBufferedRows: number;

  constructor(private readonly options: IngestStageOptions) {
    this.flushRows = options.flushRows ?? 50_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 30_000;
    this.maxBufferedRows = options.maxBufferedRows ?? 4 * this.flushRows;
    this.guard = new SinkGuard({
      ...options,
      // Set before a failure is reported and cleared after a recovery is, so both can name the sink.
      onSinkState: (healthy, error) => {
        if (!healthy) this.failing = failingSinkOf(error);
        options.onSinkState?.(healthy, error);
        if (healthy) this.failing = undefined;
      },
    });
  }

  /**
   * Which sink the stage is failing on while it is unhealthy: the `sink` its error names (`redis` for
   * touches, `search-queue` for the search queue), else `clickhouse`, whose store it mostly writes.
   */
  get failingSink(): string | undefined {
    return this.failing;
  }

  /** Rows held in memory: waiting for the next flush, or in the flush in progress. */
  get bufferedRows(): number {
    return this.bufferRows.count + this.flushingRows;
  }

  /** False while the store keeps failing; the consumer pauses and readiness turns false. */
  get isHealthy(): boolean {
    return this.guard.isHealthy;
  }

  /** True when the buffer (with the room reserved for chunks in progress) is at its bound. */
  get isFull(): boolean {
    return this.bufferedRows + this.reservedRows >= this.maxBufferedRows;
  }

  /**
   * Reserves buffer room for up to `maxRecords` records, sized by the most metric events one record has
   * produced so far, so chunks processed concurrently (several partitions, a worker pool) cannot together
   * overshoot the bound. Returns null when there is no room: the caller waits for a flush.
   */
  reserve(maxRecords: number): Reservation | null {
    const room = this.maxBufferedRows - this.bufferedRows - this.reservedRows;
    let records = Math.min(maxRecords, Math.floor(room / this.rowsPerRecord));
    // One record always fits into an empty buffer, however many events it makes.
    if (records <= 0 && this.bufferedRows === 0 && this.reservedRows === 0) records = 1;
    if (records <= 0) return null;
    const reservation = { records, rows: records * this.rowsPerRecord };
    this.reservedRows += reservation.rows;
    return reservation;
  }

  /**
   * Processes records of one partition, in order: decode, drop re-sent changes, dispatch, buffer the metric
   * events. Records that fail to decode, and changes a listener keeps failing on, go to the dead-letter topic.
   */
  async processBatch(
    records: readonly KafkaRecord[],
    reservation?: Reservation,
    signal?: AbortSignal,
  ): Promise<void> {
    if (records.length === 0) return;
    let batch: BatchOutcome;
    let admission: ChunkAdmission | undefined;
    // The batch's rows as text, and as bytes when publish (or the pool) made them: what the buffer takes.
    let rows: PublishedRows | undefined;
    let metrics: EntityMetricEvent[] | undefined;
    try {
      admission = await this.options.resends?.open(records);
      batch = await this.options.processor.process(records, admission?.admit.bind(admission));
      const { encoded } = batch;
      // Undefined when a pool thread sent the batch's events as text only (`encoded.eventsLeftOut`).
      metrics = encoded?.eventsLeftOut ? undefined : dispatchedMetrics(batch.outcomes);
      const count = metrics ? metrics.length : encoded!.json.length;
      if (this.options.publish) {
        // Published before the records count as processed: a flush commits only offsets whose events are
        // already in the metric topic (a crash before the commit replays them; caches skip the copies).
        if (count > 0)
          rows = await this.guard.run(() => this.options.publish!(metrics, encoded), signal, 'kafka');
      } else {
        rows = encoded;
      }
      if (rows && rows.json.length !== count) rows = undefined;
      // Events sent as text only have no other form here; otherwise a store of lines gets them serialised.
      if (!metrics) rows ??= encoded!;
      else if (this.options.storeLines) rows ??= { json: metrics.map(metricEventJson) };
    } finally {
      if (reservation) this.reservedRows -= reservation.rows;
    }
    this.options.onProcessed?.(records.length, batch);
    const leftOut = batch.encoded?.eventsLeftOut;
    if (leftOut) {
      this.bufferWhole(records, batch, leftOut, rows!, admission);
      return;
    }
    // `json` follows the dispatched outcomes' events in order: the events buffered below. Their lines are
    // buffered as a block whenever the loop may yield (a dead-letter write), so a flush running meanwhile
    // takes exactly the lines of the events it takes; a batch buffered whole goes as its bytes when it has them.
    const json = rows?.json;
    let jsonAt = 0;
    let blockFrom = 0;
    const bufferBlock = () => {
      if (!json || jsonAt === blockFrom) return;
      const whole = blockFrom === 0 && jsonAt === json.length;
      if (whole && rows!.lines) this.bufferLines.appendBytes(rows!.lines, json.length);
      else this.bufferLines.append(whole ? json : json.slice(blockFrom, jsonAt));
      blockFrom = jsonAt;
    };
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const outcome = batch.outcomes[i]!;
      if (outcome.kind === 'invalid') {
        const { code, causeCode, message } = outcome;
        bufferBlock();
        await this.options.deadLetters.write(record, { code, ...(causeCode ? { causeCode } : {}), message });
      } else if (outcome.kind === 'skip') {
        this.options.onSkip?.(record, outcome.reason);
      } else {
        if (outcome.failures.length > 0) bufferBlock();
        for (const failure of outcome.failures) await this.options.deadLetters.write(record, failure);
        if (outcome.metrics.length > this.rowsPerRecord) this.rowsPerRecord = outcome.metrics.length;
        if (outcome.metrics.length > 0 || outcome.touches) {
          if (this.bufferRows.count === 0 && this.touched.length === 0) this.bufferedSince = Date.now();
          for (const m of outcome.metrics) {
            if (!this.options.storeLines) this.buffer.push(m);
            this.bufferRows.add(m);
          }
          jsonAt += outcome.metrics.length;
          if (outcome.touches) for (const t of outcome.touches) this.touched.push(t);
        }
      }
      this.markProcessed(record, admission?.positionsAfter(i));
    }
    bufferBlock();
  }

  /**
   * Buffers a batch whose events came as text only (see `leaveOutEvents`): no record of it is invalid and no
   * listener failed, so nothing is dead-lettered and nothing yields, and the batch is buffered in one step.
   */
  private bufferWhole(
    records: readonly KafkaRecord[],
    batch: BatchOutcome,
    leftOut: LeftOutEvents,
    rows: PublishedRows,
    admission: ChunkAdmission | undefined,
  ): void {
    const { json } = rows;
    const wasEmpty = this.bufferRows.count === 0 && this.touched.length === 0;
    if (leftOut.mostPerRecord > this.rowsPerRecord) this.rowsPerRecord = leftOut.mostPerRecord;
    for (let i = 0; i < records.length; i++) {
      const outcome = batch.outcomes[i]!;
      if (outcome.kind === 'skip') this.options.onSkip?.(records[i]!, outcome.reason);
      else if (outcome.kind === 'dispatched' && outcome.touches)
        for (const t of outcome.touches) this.touched.push(t);
      this.markProcessed(records[i]!, admission?.positionsAfter(i));
    }
    if (json.length > 0) {
      if (!this.options.storeLines) for (const line of json) this.buffer.push(decodeMetricMessage(line));
      this.bufferRows.merge(leftOut.rows);
      if (rows.lines) this.bufferLines.appendBytes(rows.lines, json.length);
      else this.bufferLines.append(json);
    }
    if (wasEmpty && (this.bufferRows.count > 0 || this.touched.length > 0)) this.bufferedSince = Date.now();
  }

  /** True when the buffer should be flushed now (size or age). */
  flushDue(now = Date.now()): boolean {
    if (this.flushing) return false;
    if (this.bufferRows.count >= this.flushRows) return true;
    if (this.bufferRows.count > 0 || this.touched.length > 0)
      return now - this.bufferedSince >= this.flushIntervalMs;
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

  /**
   * After a rebalance: forgets buffered work of partitions this consumer no longer owns (their new owner
   * replays it), and what the re-send filter saw, which it reads again from the committed offsets.
   */
  forgetPartitions(keep: (topic: string, partition: number) => boolean): void {
    for (const [key, p] of this.processed) if (!keep(p.topic, p.partition)) this.processed.delete(key);
    this.options.resends?.reset();
  }

  private async doFlush(signal?: AbortSignal): Promise<void> {
    const events = this.buffer;
    const rows = this.bufferRows;
    const lineRows = this.bufferLines.rows;
    const lines = this.bufferLines.take();
    const touches = this.touched;
    const offsets = [...this.processed.values()];
    this.buffer = [];
    this.bufferRows = new StoredRows();
    this.touched = [];
    this.processed = new Map();
    this.bufferedSince = Date.now();
    this.flushingRows = rows.count;
    const started = performance.now();
    try {
      if (rows.count > 0) {
        const { storeLines } = this.options;
        if (storeLines) {
          // Every batch's lines are buffered with its rows (serialised here when publish gave none).
          if (lineRows !== rows.count) throw new Error(`${lineRows} lines buffered for ${rows.count} rows`);
          await this.guard.run(() => storeLines(lines), signal, 'clickhouse');
        } else {
          const complete = lineRows === events.length ? lines : undefined;
          await this.guard.run(() => this.options.store(events, complete), signal, 'clickhouse');
        }
      }
      if (rows.count > 0 && this.options.queueForSearch) {
        await this.guard.run(() => this.options.queueForSearch!(rows), signal, 'search-queue');
      }
      if (touches.length > 0 && this.options.touches) {
        const distinct = distinctTouches(touches);
        await this.guard.run(() => this.options.touches!.add(distinct), signal, 'redis');
      }
    } catch (error) {
      // Aborted while the sink was down: put the work back so a later flush (or a replay) covers it.
      this.buffer = events.concat(this.buffer);
      rows.merge(this.bufferRows);
      this.bufferRows = rows;
      this.bufferLines.putBack(lines);
      this.touched = touches.concat(this.touched);
      for (const o of offsets) {
        const key = `${o.topic}:${o.partition}`;
        if (!this.processed.has(key)) this.processed.set(key, o);
      }
      throw error;
    } finally {
      this.flushingRows = 0;
    }
    if (offsets.length > 0) {
      await this.options.commit(
        offsets.map(({ positions, ...o }) =>
          positions ? { ...o, metadata: encodePositions(o.offset, positions) } : o,
        ),
      );
    }
    // After the commit: the trims only save memory, so a slow Redis must not hold the source offsets back.
    if (rows.count > 0 && this.options.stored) {
      await this.options.stored(rows).catch((error) => this.options.onStoredError?.(error));
    }
    this.options.onFlush?.(rows.count, (performance.now() - started) / 1000);
  }

  private markProcessed(record: KafkaRecord, positions: PartitionPositions | undefined): void {
    const next = (BigInt(record.offset) + 1n).toString();
    this.processed.set(`${record.topic}:${record.partition}`, {
      topic: record.topic,
      partition: record.partition,
      offset: next,
      ...(positions ? { positions } : {}),
    });
  }
}

/** The `sink` a SinkError in `error`'s cause chain names; `clickhouse` when none does. */
function failingSinkOf(error: unknown): string {
  let current = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const sink = (current as { sink?: unknown }).sink;
    if (typeof sink === 'string') return sink;
    current = (current as { cause?: unknown }).cause;
  }
  return 'clickhouse';
}
