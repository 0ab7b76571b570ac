import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { DecoderOptions } from '../events/decode.js';
import type { KafkaRecord } from '../events/kafka-record.js';
import type { Logger } from '../listeners/logger.js';
import type { BatchOutcome, RecordProcessor } from './record-processor.js';

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
  logger: Logger;
}

/** A record as sent to a thread: buffers travel as Uint8Arrays (structured clone). */
export type WireRecord = Omit<KafkaRecord, 'key' | 'value'> & {
  key: Uint8Array | null;
  value: Uint8Array | null;
};

/** A log line a thread emitted, written by the main thread's logger. */
export interface PoolLogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg?: string;
}

/**
 * Decodes and dispatches on worker threads (piscina). Each batch goes to a free thread and comes back as
 * plain outcomes; the caller awaits a partition's batches one by one, so per-partition order holds while
 * several partitions use several threads. Sinks, Kafka and commits stay on the main thread.
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
      } satisfies PoolWorkerData,
      // From TypeScript sources, workspace packages resolve to their sources under the "source" condition.
      execArgv: source ? ['--conditions=source'] : process.execArgv,
    });
  }

  /** Threads in the pool. */
  get threads(): number {
    return this.pool.threads.length;
  }

  async process(records: readonly KafkaRecord[]): Promise<BatchOutcome> {
    // Structured clone copies the records (Buffers arrive as Uint8Arrays, which WireRecord describes).
    const result = (await this.pool.run(records satisfies readonly WireRecord[])) as BatchOutcome & {
      logs: PoolLogEntry[];
    };
    for (const entry of result.logs) this.options.logger[entry.level](entry.obj, entry.msg);
    return { outcomes: result.outcomes, listenerRuns: result.listenerRuns };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
