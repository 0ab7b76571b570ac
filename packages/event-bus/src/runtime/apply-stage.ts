import type { EntityMetricEvent } from '@engagement/plugin-api';
import type { KafkaRecord } from '../events/kafka-record.js';
import { type DecodedMetricMessage, decodeMetricMessages } from '../metrics/metric-message.js';
import type { ApplyResult, CachePosition, DeadLetterSink } from './ports.js';
import { NOT_STORED_HEADER } from './publish-metric-events.js';
import { SinkGuard } from './sink-guard.js';

/** What the search queue needs of an event. */
export type SearchRef = Pick<EntityMetricEvent, 'entityType' | 'entityId'>;

/** A message with invalid rows, by its index in the batch: it goes to the dead-letter topic. */
export interface InvalidMessage {
  index: number;
  code: string;
  message: string;
}

/** What `applyElsewhere` did with a batch: the cache's answer, and what the stage still does here. */
export interface AppliedElsewhere {
  /** Absent when there was nothing to apply (no events, no position). */
  result?: ApplyResult;
  invalid: InvalidMessage[];
  /** The events of stored messages, for the search queue (empty when the stage has none). */
  stored: SearchRef[];
}

/** A batch's decoded messages, sorted for the stage (see `gatherMessages`). */
export interface GatheredMessages {
  events: EntityMetricEvent[];
  /** Events of messages not marked as published before the store held them. */
  stored: EntityMetricEvent[];
  invalid: InvalidMessage[];
}

/**
 * Every valid event of a batch's messages in order, those of stored messages (the search queue's), and one
 * entry per message with invalid rows: the valid rows are applied, and the whole message goes to the
 * dead-letter topic, so a redrive after a fix applies the invalid rows (the valid ones are then skipped by
 * their origin positions).
 */
export function gatherMessages(
  messages: readonly DecodedMetricMessage[],
  notStored: (index: number) => boolean,
): GatheredMessages {
  const events: EntityMetricEvent[] = [];
  const stored: EntityMetricEvent[] = [];
  const invalid: InvalidMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    const decoded = messages[i]!;
    const keep = !notStored(i);
    for (const e of decoded.events) {
      events.push(e);
      if (keep) stored.push(e);
    }
    if (decoded.invalid.length > 0) {
      const first = decoded.invalid[0]!;
      invalid.push({
        index: i,
        code: first.error.code,
        message: `${decoded.invalid.length} invalid row(s); row ${first.row}: ${first.error.message}`,
      });
    }
  }
  return { events, stored, invalid };
}

/** Whether a metric-topic record is marked as published before the store held its events. */
export const isNotStored = (record: KafkaRecord): boolean =>
  record.headers?.[NOT_STORED_HEADER] !== undefined;

export interface ApplyStageOptions {
  deadLetters: DeadLetterSink;
  /**
   * Applies increments to cached hashes exactly once and stores the batch's metric-topic position with them
   * (see MetricCacheSink).
   */
  applyToCache(events: EntityMetricEvent[], position?: CachePosition): Promise<ApplyResult>;
  /** The metric-topic positions the cache stored, per partition (undefined: none). Without it: none. */
  readCachePositions?(topic: string, partitions: readonly number[]): Promise<(string | undefined)[]>;
  /**
   * Queues search-index updates for the entities these events touch. Events of messages marked as not yet
   * stored (the early publish) are left out: the ingest stage queues them once ClickHouse holds them.
   */
  queueForSearch?(events: readonly SearchRef[]): Promise<void>;
  /**
   * Decodes a batch's messages elsewhere (a worker pool's threads, `RecordProcessor.decodeMetricMessages`);
   * without it, or when it fails, each is decoded here with `decodeMetricMessages`.
   */
  decodeMessages?(records: readonly KafkaRecord[], live: boolean): Promise<DecodedMetricMessage[]>;
  /** Told when `decodeMessages` failed and the batch was decoded here instead. */
  onDecodeFallback?(error: unknown): void;
  /**
   * Decodes and applies a batch elsewhere (a worker pool's threads, `RecordProcessor.applyMetricRecords`),
   * or answers undefined to leave it to this stage. When it fails, the batch is decoded and applied here:
   * what it did apply is then skipped by its watermarks.
   */
  applyElsewhere?(
    records: readonly KafkaRecord[],
    position: CachePosition | undefined,
    live: boolean,
  ): Promise<AppliedElsewhere | undefined>;
  /** Told when `applyElsewhere` failed and the batch was applied here instead. */
  onApplyFallback?(error: unknown): void;
  retryBaseMs?: number;
  retryMaxMs?: number;
  onApplied?(result: ApplyResult, seconds: number): void;
  onSinkState?(healthy: boolean, error?: unknown): void;
}

/**
 * Metric topic → Redis caches and the search queue. Driven by entity metric events, whoever produced them
 * (this host as soon as a batch is processed, ClickHouse's Kafka export, a backfill), so every producer's events
 * keep caches current. Replays are harmless: the cache sink skips positions it already applied, and
 * queueing an id twice keeps one entry.
 */
export class ApplyStage {
  private readonly guard: SinkGuard;

  constructor(private readonly options: ApplyStageOptions) {
    this.guard = new SinkGuard(options);
  }

  get isHealthy(): boolean {
    return this.guard.isHealthy;
  }

  /**
   * Applies one batch of metric records; retries the sinks until they accept it or `signal` aborts. Returns
   * `resumeAt` when the cache holds an older `position` than the batch follows (Redis lost writes): then
   * nothing was done, and the partition must be read again from there. `live`: the host is at the head of its
   * source partitions, so the batch's latency matters more than this thread's time (told to `decodeMessages`
   * and `applyElsewhere`, which then keep it here unless configured otherwise).
   */
  async applyBatch(
    records: readonly KafkaRecord[],
    signal?: AbortSignal,
    position?: CachePosition,
    live = false,
  ): Promise<{ resumeAt?: string }> {
    if (this.options.applyElsewhere && records.length > 0) {
      const started = performance.now();
      let done: AppliedElsewhere | undefined;
      try {
        done = await this.options.applyElsewhere(records, position, live);
      } catch (error) {
        this.options.onApplyFallback?.(error);
      }
      if (done) return this.finish(records, done.result, done.invalid, done.stored, started, signal);
    }
    const messages = await this.decode(records, live);
    const { events, stored, invalid } = gatherMessages(messages, (i) => isNotStored(records[i]!));
    const started = performance.now();
    // Without events the cache still stores the position, so it stays the offset to read next.
    const result =
      events.length > 0 || position
        ? await this.guard.run(() => this.options.applyToCache(events, position), signal, 'redis')
        : undefined;
    return this.finish(records, result, invalid, stored, started, signal);
  }

  /** After the cache: dead letters, the search queue, the report. */
  private async finish(
    records: readonly KafkaRecord[],
    result: ApplyResult | undefined,
    invalid: readonly InvalidMessage[],
    stored: readonly SearchRef[],
    started: number,
    signal: AbortSignal | undefined,
  ): Promise<{ resumeAt?: string }> {
    if (result?.resumeAt !== undefined) return { resumeAt: result.resumeAt };
    for (const { index, code, message } of invalid)
      await this.options.deadLetters.write(records[index]!, { code, message });
    if (stored.length > 0 && this.options.queueForSearch) {
      await this.guard.run(() => this.options.queueForSearch!(stored), signal, 'search-queue');
    }
    if (result) this.options.onApplied?.(result, (performance.now() - started) / 1000);
    return {};
  }

  /** Each record's message decoded, by `decodeMessages` when given (here if it fails: decoding is pure). */
  private async decode(records: readonly KafkaRecord[], live: boolean): Promise<DecodedMetricMessage[]> {
    const { decodeMessages, onDecodeFallback } = this.options;
    if (decodeMessages && records.length > 0) {
      try {
        return await decodeMessages(records, live);
      } catch (error) {
        onDecodeFallback?.(error);
      }
    }
    return records.map((r) => decodeMetricMessages(r.value));
  }

  /** The metric-topic offsets the cache stored with its increments, per partition (undefined: none). */
  async cachePositions(topic: string, partitions: readonly number[]): Promise<(string | undefined)[]> {
    return this.options.readCachePositions
      ? this.options.readCachePositions(topic, partitions)
      : partitions.map(() => undefined);
  }
}
