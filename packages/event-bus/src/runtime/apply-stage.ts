import type { KafkaRecord } from '../events/kafka-record.js';
import type { DeadLetterSink } from '../kafka/dead-letters.js';
import type { EntityMetricEvent } from '../metrics/entity-metric-event.js';
import { decodeMetricMessages } from '../metrics/metric-message.js';
import type { ApplyResult } from '../sinks/redis/metric-cache-sink.js';
import { SinkGuard } from './sink-guard.js';

export interface ApplyStageOptions {
  deadLetters: DeadLetterSink;
  /** Applies increments to cached hashes exactly once (see MetricCacheSink). */
  applyToCache(events: EntityMetricEvent[]): Promise<ApplyResult>;
  /** Queues search-index updates for the entities these events touch. */
  queueForSearch?(events: EntityMetricEvent[]): Promise<void>;
  retryBaseMs?: number;
  retryMaxMs?: number;
  onApplied?(result: ApplyResult, seconds: number): void;
  onSinkState?(healthy: boolean, error?: unknown): void;
}

/**
 * Metric topic → Redis caches and the search queue. Driven by entity metric events, whoever produced them
 * (this host after a ClickHouse insert, ClickHouse's Kafka export, a backfill), so every producer's events
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

  /** Applies one batch of metric records; retries the sinks until they accept it or `signal` aborts. */
  async applyBatch(records: readonly KafkaRecord[], signal?: AbortSignal): Promise<void> {
    const events: EntityMetricEvent[] = [];
    for (const record of records) {
      const decoded = decodeMetricMessages(record.value);
      for (const e of decoded.events) events.push(e);
      if (decoded.invalid.length > 0) {
        // The valid rows are applied; the whole message goes to the dead-letter topic, so a redrive after a
        // fix applies the invalid rows (the valid ones are then skipped by their origin positions).
        const first = decoded.invalid[0]!;
        await this.options.deadLetters.write(record, {
          code: first.error.code,
          message: `${decoded.invalid.length} invalid row(s); row ${first.row}: ${first.error.message}`,
        });
      }
    }
    if (events.length === 0) return;
    const started = performance.now();
    const result = await this.guard.run(() => this.options.applyToCache(events), signal);
    if (this.options.queueForSearch) await this.guard.run(() => this.options.queueForSearch!(events), signal);
    this.options.onApplied?.(result, (performance.now() - started) / 1000);
  }
}
