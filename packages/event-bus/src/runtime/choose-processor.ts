import type { Logger } from '@engagement/plugin-api';
import { createDecoder, type Decoder, type DecoderOptions } from '../events/decode.js';
import type { PluginContainer } from './plugin-container.js';
import { LocalProcessor, type RecordProcessor } from './record-processor.js';
import type { RegisteredListener } from './validate-plugins.js';
import { WorkerPoolProcessor } from './worker-pool.js';

/** How records are decoded and dispatched: on this thread, or on a pool of worker threads. */
export interface ProcessorChoice {
  /** The decoder, or its options; a worker pool needs the options (each thread builds its own). */
  decode: Decoder | DecoderOptions;
  /**
   * Threads that decode and run listeners (0: on the main thread). Pool threads import the plugins by
   * module name, so `pluginModules` (and `provisionsModule` when plugins need host values) are required.
   */
  workerThreads?: number;
  /** Module names (or file URLs) exporting `plugins`, for the pool threads. */
  pluginModules?: string[];
  /** Module exporting `provisions` for the pool threads (see `loadProvisionsModule`). */
  provisionsModule?: string;
  /** Input for the provisions module's `provisions(data)`; must survive structured clone. */
  provisionsData?: unknown;
  /** Attempts per listener and change before it is dead-lettered (first try included). */
  listenerMaxAttempts?: number;
  /** First retry delay of a failing listener (in-process only). */
  listenerRetryBaseMs?: number;
  /** Pool threads publish their batches' metric messages themselves (see `WorkerPoolOptions.metricTopic`). */
  poolMetricTopic?: { module: string; settings: unknown };
  /** Pool threads apply the metric topic's batches to the cache themselves (see `WorkerPoolOptions.metricCache`). */
  poolMetricCache?: { module: string; settings: unknown };
  /** Metric-topic batches of at least this many bytes go to the pool threads (see `WorkerPoolOptions`). */
  poolMetricMinBytes?: number;
  /** Metric-topic batches go to the pool threads while the host is live too (see `WorkerPoolOptions`). */
  poolMetricWhenLive?: boolean;
}

/** The in-process processor, or a worker pool when `workerThreads` > 0. */
export function chooseProcessor(
  choice: ProcessorChoice,
  listeners: readonly RegisteredListener[],
  container: PluginContainer,
  hasProvisions: boolean,
  logger: Logger,
  signal: AbortSignal | undefined,
): RecordProcessor {
  const threads = choice.workerThreads ?? 0;
  if (threads <= 0) {
    const decode = typeof choice.decode === 'function' ? choice.decode : createDecoder(choice.decode);
    return new LocalProcessor({
      decode,
      listeners,
      container,
      logger,
      signal,
      maxAttempts: choice.listenerMaxAttempts,
      retryBaseMs: choice.listenerRetryBaseMs,
    });
  }
  if (typeof choice.decode === 'function') {
    throw new TypeError(
      'workerThreads needs `decode` as decoder options: each thread builds its own decoder',
    );
  }
  if (!choice.pluginModules?.length) {
    throw new TypeError('workerThreads needs `pluginModules`: threads import the plugins by module name');
  }
  if (hasProvisions && !choice.provisionsModule) {
    throw new TypeError(
      'workerThreads with host provisions needs `provisionsModule` to build them per thread',
    );
  }
  return new WorkerPoolProcessor({
    threads,
    pluginModules: choice.pluginModules,
    provisionsModule: choice.provisionsModule,
    provisionsData: choice.provisionsData,
    decoder: choice.decode,
    maxAttempts: choice.listenerMaxAttempts,
    metricTopic: choice.poolMetricTopic,
    metricCache: choice.poolMetricCache,
    metricMinBytes: choice.poolMetricMinBytes,
    metricWhenLive: choice.poolMetricWhenLive,
    logger,
  });
}
