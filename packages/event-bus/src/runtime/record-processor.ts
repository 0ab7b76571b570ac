import { type ChangeEvent, causeCodeOf, type EntityMetricEvent, type Logger } from '@engagement/plugin-api';
import { EventBusError } from '../errors.js';
import type { Decoder } from '../events/decode.js';
import type { KafkaRecord } from '../events/kafka-record.js';
import type { DecodedMetricMessage } from '../metrics/metric-message.js';
import type { MetricTouch } from '../metrics/metric-touch.js';
import type { AppliedElsewhere } from './apply-stage.js';
import { Dispatcher, type DispatchResult } from './dispatcher.js';
import type { EncodedMetrics } from './encoded-metrics.js';
import type { PluginContainer } from './plugin-container.js';
import type { CachePosition } from './ports.js';
import { headerString } from './record-headers.js';
import type { ChangeRef } from './resend-filter.js';
import type { RegisteredListener } from './validate-plugins.js';

/** Header a redrive sets so only the listener that failed runs again. */
export const REDRIVE_LISTENER_HEADER = 'eb.redrive.listener';
/**
 * Header every redriven record carries: the dead letter's position. A record redriven after it could not
 * be decoded has only this one (no listener failed).
 */
export const REDRIVEN_FROM_HEADER = 'eb.redrive.from';

/** What became of one source record. Plain data, so it can cross a worker-thread boundary. */
export type RecordOutcome =
  | { kind: 'skip'; reason: string }
  | { kind: 'invalid'; code: string; causeCode?: string; message: string }
  | {
      kind: 'dispatched';
      metrics: EntityMetricEvent[];
      /** Entities to recompute once this record's work is stored (see `MetricEmitter.touch`). */
      touches?: MetricTouch[];
      /** `causeCode`: the code of what the listener threw (e.g. `ML_RELATED_ROW_MISSING`), when it has one. */
      failures: { listenerId: string; code: string; causeCode?: string; message: string; attempts: number }[];
    };

/** Listener runs of one batch, per listener id. */
export type ListenerRunTotals = Record<
  string,
  { ok: number; retried: number; failed: number; seconds: number }
>;

/** The totals of one listener, created at zero on first use. */
export function listenerRunsOf(totals: ListenerRunTotals, listenerId: string): ListenerRunTotals[string] {
  totals[listenerId] ??= { ok: 0, retried: 0, failed: 0, seconds: 0 };
  return totals[listenerId];
}

/** Adds the runs of `more` to `totals`. */
export function addListenerRuns(totals: ListenerRunTotals, more: ListenerRunTotals): void {
  for (const [id, run] of Object.entries(more)) {
    const t = listenerRunsOf(totals, id);
    t.ok += run.ok;
    t.retried += run.retried;
    t.failed += run.failed;
    t.seconds += run.seconds;
  }
}

/** The outcome of each record of a batch, in order, and the listener runs it took. */
export interface BatchOutcome {
  outcomes: RecordOutcome[];
  listenerRuns: ListenerRunTotals;
  /** The dispatched metric events already serialised, when the processor did it (pool threads do). */
  encoded?: EncodedMetrics;
}

/**
 * Decides, after decoding and before any listener runs, which changes of a batch run: one verdict per
 * change, false for a re-send (see `ResendFilter`). Refused changes become skips with reason `resend`.
 */
export type Admission = (changes: readonly ChangeRef[]) => Promise<readonly boolean[]>;

/**
 * Decodes records and runs the listeners on them. The in-process implementation does it on the calling
 * thread; the worker pool does it on other threads. Records of one batch are processed in order.
 */
export interface RecordProcessor {
  process(records: readonly KafkaRecord[], admit?: Admission): Promise<BatchOutcome>;
  /**
   * `decodeMetricMessages` of each record's value, where this processor runs its work (a worker pool's
   * threads); absent for a processor that runs on the caller's thread, where the caller decodes. `live`: see
   * `ApplyStage.applyBatch`.
   */
  decodeMetricMessages?(records: readonly KafkaRecord[], live?: boolean): Promise<DecodedMetricMessage[]>;
  /**
   * Decodes a batch of metric-topic records and applies it to the cache where this processor runs its work
   * (a worker pool's threads, each with its own cache sink), as the apply stage would; undefined when this
   * batch is left to the caller. `search`: return the stored messages' events for the search queue. `live`:
   * see `ApplyStage.applyBatch`.
   */
  applyMetricRecords?(
    records: readonly KafkaRecord[],
    position: CachePosition | undefined,
    search: boolean,
    live?: boolean,
  ): Promise<AppliedElsewhere | undefined>;
  close(): Promise<void>;
}

export interface LocalProcessorOptions {
  decode: Decoder;
  listeners: readonly RegisteredListener[];
  container: PluginContainer;
  logger: Logger;
  signal?: AbortSignal;
  /** Attempts per listener and change before it is dead-lettered (first try included). */
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** Decodes and dispatches on the calling thread. Also the engine inside each pool worker. */
export class LocalProcessor implements RecordProcessor {
  private readonly dispatcher: Dispatcher;
  private runs: ListenerRunTotals = {};

  constructor(private readonly options: LocalProcessorOptions) {
    this.dispatcher = new Dispatcher(options.listeners, options.container, {
      logger: options.logger,
      signal: options.signal,
      maxAttempts: options.maxAttempts,
      retryBaseMs: options.retryBaseMs,
      retryMaxMs: options.retryMaxMs,
      onListenerRun: (id, outcome, seconds) => {
        const r = listenerRunsOf(this.runs, id);
        if (outcome === 'ok') r.ok++;
        else if (outcome === 'retry') r.retried++;
        else r.failed++;
        r.seconds += seconds;
      },
    });
  }

  async process(records: readonly KafkaRecord[], admit?: Admission): Promise<BatchOutcome> {
    // Decode the whole batch first, so listeners can prefetch what it needs in one query each.
    const decoded = records.map((record) => this.decode(record));
    if (admit) await refuseResends(decoded, admit);
    const events = decoded.flatMap((d) => ('event' in d ? [d.event] : []));
    if (events.length > 0) await this.dispatcher.prefetch(events);
    const outcomes: RecordOutcome[] = [];
    for (let i = 0; i < records.length; i++) {
      const d = decoded[i]!;
      if (!('event' in d)) {
        outcomes.push(d);
        continue;
      }
      // Most changes are dispatched synchronously: wait only for the ones that returned a promise.
      const result = this.dispatcher.dispatch(d.event, headerString(records[i]!, REDRIVE_LISTENER_HEADER));
      outcomes.push(dispatched(result instanceof Promise ? await result : result));
    }
    const listenerRuns = this.runs;
    this.runs = {};
    return { outcomes, listenerRuns };
  }

  async close(): Promise<void> {}

  private decode(record: KafkaRecord): RecordOutcome | { event: ChangeEvent } {
    try {
      const decoded = this.options.decode(record);
      return decoded.kind === 'skip' ? { kind: 'skip', reason: decoded.reason } : { event: decoded.event };
    } catch (error) {
      const e = error instanceof EventBusError ? error : new EventBusError('EB_DECODE_FAILED', String(error));
      const causeCode = causeCodeOf(e);
      return { kind: 'invalid', code: e.code, ...(causeCode ? { causeCode } : {}), message: e.message };
    }
  }
}

/** A dispatch result as plain data (it may cross a worker-thread boundary). */
function dispatched(result: DispatchResult): RecordOutcome {
  return {
    kind: 'dispatched',
    metrics: result.metrics,
    ...(result.touches.length > 0 ? { touches: result.touches } : {}),
    failures: result.failures.map((f) => {
      const causeCode = causeCodeOf(f.error);
      return {
        listenerId: f.listenerId,
        code: f.error.code,
        ...(causeCode ? { causeCode } : {}),
        message: f.error.message,
        attempts: f.attempts,
      };
    }),
  };
}

/** Asks `admit` about every decoded change and turns the refused ones into `resend` skips, in place. */
async function refuseResends(
  decoded: (RecordOutcome | { event: ChangeEvent })[],
  admit: Admission,
): Promise<void> {
  const changes: ChangeRef[] = [];
  decoded.forEach((d, index) => {
    if ('event' in d) {
      const { id, source, sourcePosition } = d.event;
      changes.push({ index, id, source, sourcePosition });
    }
  });
  if (changes.length === 0) return;
  const verdicts = await admit(changes);
  changes.forEach((change, i) => {
    if (!verdicts[i]) decoded[change.index] = { kind: 'skip', reason: 'resend' };
  });
}
