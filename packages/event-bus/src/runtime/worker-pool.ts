import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Logger } from '@engagement/plugin-api';
import { Piscina } from 'piscina';
import type { DecoderOptions } from '../events/decode.js';
import type { KafkaRecord } from '../events/kafka-record.js';
import { fromMetricColumns, type MetricColumns } from '../metrics/metric-columns.js';
import {
  type DecodedMetricMessage,
  decodeMetricMessages as decodeMetricMessagesHere,
} from '../metrics/metric-message.js';
import { StoredRows } from '../metrics/stored-rows.js';
import { type AppliedElsewhere, isNotStored } from './apply-stage.js';
import type { CachePosition } from './ports.js';
import type { Admission, BatchOutcome, RecordProcessor } from './record-processor.js';
import type { ChangeRef } from './resend-filter.js';

/** How pool threads build their plugins and decoder: everything by name, since functions cannot cross. */
export interface PoolWorkerData {
  /** Plugin packages (or file URLs) each thread imports, as the host loads them. */
  pluginModules: string[];
  /** A module exporting `provisions` (see `loadProvisionsModule`), when plugins need host values. */
  provisionsModule?: string;
  /** Structured-cloneable input for the provisions module's `provisions(data)` (e.g. settings). */
  provisionsData?: unknown;
  decoder: DecoderOptions;
  maxAttempts?: number;
  /**
   * When given, each thread publishes the metric messages of its batches itself, before it returns them (marked
   * not stored, as the ingest stage's publish does), with the writer this module's `threadMetricTopic(settings,
   * logger)` builds (`ThreadMetricTopic`); the batch then comes back `published` and the main thread does not
   * send it again. A thread whose send failed returns the batch unpublished, and the main thread publishes it.
   */
  metricTopic?: { module: string; settings: unknown };
  /**
   * When given, each thread applies the metric-topic batches it is handed (`applyMetricRecords`) with the
   * cache sink this module's `threadMetricCache(settings, logger)` builds (`ThreadMetricCache`), on the same
   * Redis keys as the main thread's sink.
   */
  metricCache?: { module: string; settings: unknown };
}

export interface WorkerPoolOptions extends PoolWorkerData {
  /** Threads in the pool; defaults to the number of cores minus one (the main thread runs the sinks). */
  threads?: number;
  /**
   * Batches one thread works on at once (default 4, above the partitions consumed concurrently). Listeners
   * await lookups; with one batch per thread, a batch waiting for a parent row that another partition's
   * batch brings would hold the thread that batch needs.
   */
  batchesPerThread?: number;
  /**
   * Metric-topic batches (the apply stage's) of at least this many bytes are decoded, and applied given a
   * `metricCache`, on the threads; smaller ones on the calling thread. Default `POOL_METRIC_MIN_BYTES`.
   */
  metricMinBytes?: number;
  /**
   * Also take metric batches while the host is live (at the head of its source partitions). Default false:
   * those stay on the calling thread, because on a thread busy with source batches each step of a decode or
   * apply waits behind them, which at a steady rate added hundreds of ms per batch
   * (docs/performance-history.md, "Session of 2026-12-04, afternoon"); a backlog's batches still go to the
   * threads.
   */
  metricWhenLive?: boolean;
  logger: Logger;
}

/** A record as sent to a thread: buffers travel as Uint8Arrays (structured clone). */
export type WireRecord = Omit<KafkaRecord, 'key' | 'value'> & {
  key: Uint8Array | null;
  value: Uint8Array | null;
};

/** One batch for a thread, and the port on which it asks the main thread's admission, when there is one. */
export interface PoolTask {
  records: readonly WireRecord[];
  admission?: MessagePort;
}

/**
 * Metric batches smaller than this are decoded and applied on the calling thread: at moderate rates the
 * batches are small, and waiting for a pool thread busy with source batches cost more than the work (latency
 * bench). At 5,000 changes/s on a pool of 1, 2 of 4,185 batches were larger; a backlog's batches are 0.75–1 MiB
 * (kafkajs's bytes per partition) and go to the threads (docs/performance-history.md, "Session of 2026-12-04,
 * noon").
 */
export const POOL_METRIC_MIN_BYTES = 512 * 1024;

/** Metric-topic message values for a thread to decode (see `decodeMetricMessages`). */
export interface MetricDecodeTask {
  values: readonly (Uint8Array | null)[];
}

/** Metric-topic messages for a thread to decode and apply to the cache (see `applyMetricRecords`). */
export interface MetricApplyTask extends MetricDecodeTask {
  /** Per message, whether it is marked as published before the store held it (`isNotStored`). */
  notStored: readonly boolean[];
  position?: CachePosition;
  /** Return the stored messages' events for the search queue. */
  search: boolean;
}

/** The admission's answer on a task's port: the verdicts, or that it failed (the task then fails too). */
export type AdmissionReply = { verdicts: readonly boolean[] } | { failed: string };

/** A log line a thread emitted, written by the main thread's logger. */
export interface PoolLogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg?: string;
}

/**
 * Decodes and dispatches on worker threads (piscina). Each batch goes to a free thread and comes back as
 * plain outcomes; the caller awaits a partition's batches one by one, so per-partition order holds while
 * several partitions use several threads. The threads also serialise the metric events (`EncodedMetrics`)
 * and, for a batch in which nothing failed, send back only that text and a summary (`leaveOutEvents`), not
 * the event objects. Given a metric topic (`metricTopic`) they also publish the messages; otherwise the main
 * thread does. Consuming, the other sinks and commits stay on the main thread. The threads also decode the
 * metric-topic messages the apply stage reads (`decodeMetricMessages`).
 */
export class WorkerPoolProcessor implements RecordProcessor {
  private readonly pool: Piscina;

  constructor(private readonly options: WorkerPoolOptions) {
    const source = import.meta.url.endsWith('.ts');
    const threads = options.threads ?? Math.max(1, availableParallelism() - 1);
    this.pool = new Piscina({
      filename: new URL(source ? './pool-worker-source.mjs' : './pool-worker.js', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: options.batchesPerThread ?? 4,
      workerData: {
        pluginModules: options.pluginModules,
        provisionsModule: options.provisionsModule,
        provisionsData: options.provisionsData,
        decoder: options.decoder,
        maxAttempts: options.maxAttempts,
        metricTopic: options.metricTopic,
        metricCache: options.metricCache,
      } satisfies PoolWorkerData,
      // From TypeScript sources, workspace packages resolve to their sources under the "source" condition.
      execArgv: source ? ['--conditions=source'] : process.execArgv,
    });
  }

  /** Threads in the pool. */
  get threads(): number {
    return this.pool.threads.length;
  }

  async process(records: readonly KafkaRecord[], admit?: Admission): Promise<BatchOutcome> {
    const wire = wireRecords(records);
    const task: PoolTask = { records: wire.records };
    if (!admit) return this.run(task, [wire.bytes]);
    // The thread decodes, asks the admission over a port of its own (the filter's state lives on this
    // thread), then runs the listeners on the admitted changes only.
    const { port1, port2 } = new MessageChannel();
    let failure: { error: unknown } | undefined;
    port1.on('message', (changes: ChangeRef[]) => {
      admit(changes).then(
        (verdicts) => port1.postMessage({ verdicts } satisfies AdmissionReply),
        (error: unknown) => {
          failure = { error };
          port1.postMessage({ failed: String(error) } satisfies AdmissionReply);
        },
      );
    });
    try {
      return await this.run({ ...task, admission: port2 }, [wire.bytes, port2]);
    } catch (error) {
      // The admission's own error (a Redis outage, retriable) rather than its copy from the thread.
      throw failure ? failure.error : error;
    } finally {
      port1.close();
    }
  }

  /**
   * The apply stage's decoding of metric-topic messages, on a pool thread: `decodeMetricMessages` of each
   * record's value, as the main thread would run it, sent back as columns (`MetricColumns`) from which the
   * events are built here in one pass. Parsing the rows was a tenth of the pool's main thread (profile in
   * docs/performance-history.md, "Session of 2026-12-04, late morning"). A batch under
   * `POOL_METRIC_MIN_BYTES` is decoded here: a backlog's batches are large and go to the threads, a moderate
   * rate's are small and would wait for a thread busy with a source batch.
   */
  async decodeMetricMessages(records: readonly KafkaRecord[], live = false): Promise<DecodedMetricMessage[]> {
    if (this.leftHere(records, live)) return records.map((r) => decodeMetricMessagesHere(r.value));
    const wire = wireRecords(records);
    const task: MetricDecodeTask = { values: wire.records.map((r) => r.value) };
    const columns = (await this.pool.run(task, {
      name: 'decodeMetricRecords',
      transferList: [wire.bytes],
    })) as MetricColumns;
    return fromMetricColumns(columns);
  }

  /**
   * The apply stage's decoding and cache apply of a metric-topic batch, on a pool thread with its own cache
   * sink (`PoolWorkerData.metricCache`): building each shard's script call and sending it were a third of the
   * main thread's work with a pool (profile in docs/performance-history.md). Undefined, leaving the batch to
   * the caller, without a cache or for a batch under `POOL_METRIC_MIN_BYTES` (as `decodeMetricMessages`).
   */
  async applyMetricRecords(
    records: readonly KafkaRecord[],
    position: CachePosition | undefined,
    search: boolean,
    live = false,
  ): Promise<AppliedElsewhere | undefined> {
    if (!this.options.metricCache || this.leftHere(records, live)) return undefined;
    const wire = wireRecords(records);
    const task: MetricApplyTask = {
      values: wire.records.map((r) => r.value),
      notStored: records.map(isNotStored),
      ...(position ? { position } : {}),
      search,
    };
    const { logs, ...applied } = (await this.pool.run(task, {
      name: 'applyMetricRecords',
      transferList: [wire.bytes],
    })) as AppliedElsewhere & { logs: PoolLogEntry[] };
    this.writeLogs(logs);
    return applied;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Writes a thread's log lines with this thread's logger. */
  private writeLogs(logs: readonly PoolLogEntry[]): void {
    for (const entry of logs) this.options.logger[entry.level](entry.obj, entry.msg);
  }

  /** Whether a metric batch stays on the calling thread: while live (`metricWhenLive`), or too small for one. */
  private leftHere(records: readonly KafkaRecord[], live: boolean): boolean {
    if (live && !this.options.metricWhenLive) return true;
    let bytes = 0;
    for (const r of records) bytes += r.value?.length ?? 0;
    return bytes < (this.options.metricMinBytes ?? POOL_METRIC_MIN_BYTES);
  }

  private async run(task: PoolTask, transferList: (ArrayBuffer | MessagePort)[]): Promise<BatchOutcome> {
    const result = (await this.pool.run(task, { transferList })) as BatchOutcome & {
      logs: PoolLogEntry[];
    };
    this.writeLogs(result.logs);
    const { outcomes, listenerRuns, encoded } = result;
    if (encoded) {
      // Buffers arrive as Uint8Arrays: Buffers again (kafkajs takes a value that is not a Buffer for text).
      for (const m of encoded.messages)
        if (typeof m.value !== 'string')
          m.value = Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength);
      const leftOut = encoded.eventsLeftOut;
      if (leftOut) leftOut.rows = StoredRows.revive(leftOut.rows);
    }
    return { outcomes, listenerRuns, ...(encoded ? { encoded } : {}) };
  }
}

/**
 * The records as sent to a thread: their keys, values and header values copied into one buffer of their own,
 * which the task transfers. kafkajs hands out views of its fetch response, and a structured clone copies the
 * whole buffer under a view: every task copied the response, megabytes, for a chunk of its records (a scratch
 * test: 4.2–5.3 ms per 1,000 records of views into a 3 MiB buffer, 1.7–2.5 ms with buffers of their own).
 */
function wireRecords(records: readonly KafkaRecord[]): { records: WireRecord[]; bytes: ArrayBuffer } {
  let size = 0;
  for (const r of records) {
    size += (r.key?.length ?? 0) + (r.value?.length ?? 0);
    if (r.headers)
      for (const v of Object.values(r.headers)) for (const b of headerBuffers(v)) size += b.length;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  const copy = (b: Uint8Array): Uint8Array => {
    bytes.set(b, at);
    at += b.length;
    return bytes.subarray(at - b.length, at);
  };
  // A header value, or each of a repeated header's (one level, as `headerBuffers` counts them).
  const copyValue = (v: unknown): unknown => (v instanceof Uint8Array ? copy(v) : v);
  const copyHeader = (v: unknown): unknown => (Array.isArray(v) ? v.map(copyValue) : copyValue(v));
  const wire = records.map((r): WireRecord => {
    const record: WireRecord = { ...r, key: r.key && copy(r.key), value: r.value && copy(r.value) };
    if (r.headers) {
      const headers: Record<string, unknown> = {};
      for (const [name, v] of Object.entries(r.headers)) headers[name] = copyHeader(v);
      record.headers = headers;
    }
    return record;
  });
  return { records: wire, bytes: bytes.buffer };
}

/** The byte values of a header (kafkajs gives a Buffer, or several for a repeated name). */
function headerBuffers(v: unknown): Uint8Array[] {
  if (v instanceof Uint8Array) return [v];
  return Array.isArray(v) ? v.filter((x): x is Uint8Array => x instanceof Uint8Array) : [];
}
