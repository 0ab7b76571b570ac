import type { KafkaRecord } from '../events/kafka-record.js';
import type { Instrumentation, InstrumentationEvent, PipelineSink } from './instrumentation.js';
import type { DeadLetterReason } from './ports.js';
import { emptyStats, type PipelineObserver, type PipelineStats, recordStats } from './stats.js';

/**
 * Where one pipeline reports what it does, as it does it: every instrumentation event goes to its own
 * `stats` and to the caller's channel; batches, dead letters and sink attempts also to the caller's observer.
 */
export interface PipelineReports {
  readonly stats: PipelineStats;
  emit(event: InstrumentationEvent): void;
  /** A sink accepted one batch. */
  sinkBatch(sink: PipelineSink, rows: number, seconds: number): void;
  /** A record was written to the dead-letter topic. */
  deadLetter(reason: DeadLetterReason, record: KafkaRecord): void;
  /** Runs one sink write and reports its outcome to the observer. */
  attempt<T>(sink: PipelineSink | 'kafka', rows: number, write: () => Promise<T>): Promise<T>;
}

/**
 * The reports of a new pipeline (zeroed stats). What the channel's subscribers throw goes to `onError`
 * (default: dropped), never into the pipeline: a failing counter must not fail a write that succeeded.
 */
export function pipelineReports(
  observer: PipelineObserver = {},
  channel?: Instrumentation,
  onError: (error: unknown, event: InstrumentationEvent) => void = () => {},
): PipelineReports {
  const stats = emptyStats();
  const emit = (event: InstrumentationEvent) => {
    recordStats(stats, event);
    try {
      channel?.emit(event);
    } catch (error) {
      onError(error, event);
    }
  };
  return {
    stats,
    emit,
    sinkBatch(sink, rows, seconds) {
      observer.sinkBatch?.(sink, rows, seconds);
      emit({ type: 'sink.batch', sink, rows, seconds });
    },
    deadLetter(reason, record) {
      observer.deadLetter?.(reason, record);
      emit({ type: 'dead_letter.written', code: reason.code, listenerId: reason.listenerId });
    },
    async attempt(sink, rows, write) {
      const started = performance.now();
      try {
        const value = await write();
        observer.sinkAttempt?.(sink, { ok: true, rows, seconds: (performance.now() - started) / 1000 });
        return value;
      } catch (error) {
        observer.sinkAttempt?.(sink, { ok: false, error });
        throw error;
      }
    },
  };
}
