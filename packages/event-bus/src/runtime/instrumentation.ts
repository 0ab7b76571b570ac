import type { ListenerRunTotals } from './record-processor.js';

/** Where a batch went: the ClickHouse store (flush), the Redis metric cache, the search queue. */
export type PipelineSink = 'clickhouse' | 'redis' | 'search';

/**
 * What the pipeline reports at the moment it happens, each with the amount it happened by. Subscribers
 * (the host's Prometheus counters, the pipeline's own `stats`) add these up; nothing polls a total.
 */
export type InstrumentationEvent =
  /** A batch of source records went through decoding and the listeners. */
  | { type: 'ingest.batch.processed'; records: number; listenerRuns: ListenerRunTotals }
  /** A record that is no change (heartbeat, tombstone, transaction marker) was passed over. */
  | { type: 'ingest.record.skipped' }
  /** A change its source had published before, at another offset, was dropped before the listeners. */
  | { type: 'ingest.resend.skipped' }
  /** Metric events were inserted into ClickHouse. */
  | { type: 'sink.clickhouse.stored'; rows: number }
  /** A batch of metric events went through the Redis cache script (`onThread`: a worker pool's thread sent it). */
  | { type: 'sink.redis.applied'; applied: number; skipped: number; keysUpdated: number; onThread?: boolean }
  /** A sink accepted one batch of `rows` rows in `seconds` (a ClickHouse flush includes publish and commit). */
  | { type: 'sink.batch'; sink: PipelineSink; rows: number; seconds: number }
  /** Entities were queued for recompute after their flush was stored. */
  | { type: 'recompute.touches.queued'; count: number }
  /** Redis held an older metric-topic position than it had applied; the partition is read again. */
  | { type: 'cache.rollback.detected' }
  /** A record was written to the dead-letter topic (`listenerId` absent: it could not be decoded). */
  | { type: 'dead_letter.written'; code: string; listenerId?: string }
  /** A recompute pass compared `entities` with their truth and wrote `corrections` (the host's recomputer). */
  | { type: 'recompute.pass.completed'; entities: number; corrections: number }
  /** A recompute pass failed, or its snapshot was not stored in time; its touches stay queued. */
  | { type: 'recompute.pass.failed'; reason: 'error' | 'not_caught_up' }
  /** A search-sync flush ran to its end, `failed` or not (one that found the lock taken did not run). */
  | { type: 'search.flush.ended'; failed: boolean }
  /** A roll of the read rollup ended (see `RollupOutcome`), after `seconds`. */
  | { type: 'rollup.rolled'; outcome: RollupOutcome; seconds: number }
  /** A compaction of the read rollup ended, after `seconds`, having folded `days` days. */
  | { type: 'rollup.compacted'; outcome: RollupOutcome; seconds: number; days: number }
  /** After a committed roll: the active parts of the rollup's daily table, each a granule per id a miss reads. */
  | { type: 'rollup.parts'; daily: number };

/**
 * How a roll or compaction of the read rollup ended: `committed`; `lost`, another one committed first (its
 * rows are skipped, only work was wasted); `idle`, it had nothing to do (a compaction with no day to fold, a
 * migrated table's first roll waiting out the insert margin); `failed`, an error (logged).
 */
export type RollupOutcome = 'committed' | 'lost' | 'idle' | 'failed';

/** Receives every event; must not throw (see `createInstrumentation`'s `onError`). */
export type InstrumentationSubscriber = (event: InstrumentationEvent) => void;

/** The side a subscriber sees. */
export interface InstrumentationSource {
  /** Adds `subscriber`; returns the function that removes it. */
  subscribe(subscriber: InstrumentationSubscriber): () => void;
}

/** A synchronous channel: `emit` calls every subscriber, in subscription order, before it returns. */
export interface Instrumentation extends InstrumentationSource {
  emit(event: InstrumentationEvent): void;
}

/**
 * A new channel. A subscriber that throws does not keep the others from the event: with `onError` the
 * error is handed to it (the pipeline logs it, so counting never breaks the data path); without, `emit`
 * throws it after every subscriber ran.
 */
export function createInstrumentation(
  onError?: (error: unknown, event: InstrumentationEvent) => void,
): Instrumentation {
  const subscribers = new Set<InstrumentationSubscriber>();
  return {
    subscribe(subscriber) {
      // A wrapper per call, so subscribing one function twice counts twice and unsubscribes once.
      const entry: InstrumentationSubscriber = (event) => subscriber(event);
      subscribers.add(entry);
      return () => void subscribers.delete(entry);
    },
    emit(event) {
      const errors: unknown[] = [];
      for (const subscriber of subscribers) {
        try {
          subscriber(event);
        } catch (error) {
          if (onError) onError(error, event);
          else errors.push(error);
        }
      }
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1)
        throw new AggregateError(errors, `${errors.length} subscribers of ${event.type} threw`);
    },
  };
}
