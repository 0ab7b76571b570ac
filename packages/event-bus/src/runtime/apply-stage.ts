import type { EntityMetricEvent } from '@engagement/plugin-api';
import type { KafkaRecord } from '../events/kafka-record.js';
import { type DecodedMetricMessage, decodeMetricMessages } from '../metrics/metric-message.js';
import type { ApplyResult, CachePosition, DeadLetterSink } from './ports.js';
import { NOT_STORED_HEADER } from './publish-metric-events.js';
import { SinkGuard } from './sink-guard.js';

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
  queueForSearch?(events: EntityMetricEvent[]): Promise<void>;
  /**
   * Decodes a batch's messages elsewhere (a worker pool's threads, `RecordProcessor.decodeMetricMessages`);
   * without it, or when it fails, each is decoded here with `decodeMetricMessages`.
   */
  decodeMessages?(records: readonly KafkaRecord[]): Promise<DecodedMetricMessage[]>;
  /** Told when `decodeMessages` failed and the batch was decoded here instead. */
  onDecodeFallback?(error: unknown): void;
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
   * nothing was done, and the partition must be read again from there.
   */
  async applyBatch(
    records: readonly KafkaRecord[],
    signal?: AbortSignal,
    position?: CachePosition,
  ): Promise<{ resumeAt?: string }> {
    const events: EntityMetricEvent[] = [];
    const stored: EntityMetricEvent[] = [];
    const invalid: { record: KafkaRecord; code: string; message: string }[] = [];
    const messages = await this.decode(records);
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const decoded = messages[i]!;
      const notStored = record.headers?.[NOT_STORED_HEADER] !== undefined;
      for (const e of decoded.events) {
        events.push(e);
        if (!notStored) stored.push(e);
      }
      if (decoded.invalid.length > 0) {
        const first = decoded.invalid[0]!;
        invalid.push({
          record,
          code: first.error.code,
          message: `${decoded.invalid.length} invalid row(s); row ${first.row}: ${first.error.message}`,
        });
      }
    }
    const started = performance.now();
    // Without events the cache still stores the position, so it stays the offset to read next.
    const result =
      events.length > 0 || position
        ? await this.guard.run(() => this.options.applyToCache(events, position), signal)
        : undefined;
    if (result?.resumeAt !== undefined) return { resumeAt: result.resumeAt };
    // The valid rows are applied; the whole message goes to the dead-letter topic, so a redrive after a fix
    // applies the invalid rows (the valid ones are then skipped by their origin positions).
    for (const { record, code, message } of invalid)
      await this.options.deadLetters.write(record, { code, message });
    if (stored.length > 0 && this.options.queueForSearch) {
      await this.guard.run(() => this.options.queueForSearch!(stored), signal);
    }
    if (result) this.options.onApplied?.(result, (performance.now() - started) / 1000);
    return {};
  }

  /** Each record's message decoded, by `decodeMessages` when given (here if it fails: decoding is pure). */
  private async decode(records: readonly KafkaRecord[]): Promise<DecodedMetricMessage[]> {
    const { decodeMessages, onDecodeFallback } = this.options;
    if (decodeMessages && records.length > 0) {
      try {
        return await decodeMessages(records);
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
