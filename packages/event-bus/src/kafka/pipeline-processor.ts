import { createDecoder } from '../events/decode.js';
import type { Logger } from '../listeners/logger.js';
import type { PluginContainer } from '../runtime/plugin-container.js';
import { LocalProcessor, type RecordProcessor } from '../runtime/record-processor.js';
import type { validatePlugins } from '../runtime/validate-plugins.js';
import { WorkerPoolProcessor } from '../runtime/worker-pool.js';
import type { EventPipelineOptions } from './pipeline-options.js';

/** The in-process processor, or a worker pool when `workerThreads` > 0. */
export function createProcessor(
  options: EventPipelineOptions,
  listeners: ReturnType<typeof validatePlugins>,
  container: PluginContainer,
  logger: Logger,
  signal: AbortSignal,
): RecordProcessor {
  const threads = options.workerThreads ?? 0;
  if (threads <= 0) {
    const decode = typeof options.decode === 'function' ? options.decode : createDecoder(options.decode);
    return new LocalProcessor({
      decode,
      listeners,
      container,
      logger,
      signal,
      maxAttempts: options.listenerMaxAttempts,
    });
  }
  if (typeof options.decode === 'function') {
    throw new TypeError(
      'workerThreads needs `decode` as decoder options: each thread builds its own decoder',
    );
  }
  if (!options.pluginModules?.length) {
    throw new TypeError('workerThreads needs `pluginModules`: threads import the plugins by module name');
  }
  if (options.provisions?.length && !options.provisionsModule) {
    throw new TypeError(
      'workerThreads with host provisions needs `provisionsModule` to build them per thread',
    );
  }
  return new WorkerPoolProcessor({
    threads,
    pluginModules: options.pluginModules,
    provisionsModule: options.provisionsModule,
    provisionsData: options.provisionsData,
    decoder: options.decode,
    maxAttempts: options.listenerMaxAttempts,
    logger,
  });
}
