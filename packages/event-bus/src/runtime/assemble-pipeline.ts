import { type HostProvision, type Logger, type PluginDefinition, silentLogger } from '@engagement/plugin-api';
import type { TouchSink } from '../metrics/metric-touch.js';
import { ApplyStage } from './apply-stage.js';
import { chooseProcessor, type ProcessorChoice } from './choose-processor.js';
import { IngestStage } from './ingest-stage.js';
import { type PipelineReports, pipelineReports } from './pipeline-reports.js';
import { PluginContainer } from './plugin-container.js';
import { type PluginHook, pluginHooks } from './plugin-hooks.js';
import type {
  ApplyResult,
  DeadLetterSink,
  MetricCache,
  MetricStore,
  MetricTopicWriter,
  PipelineStages,
  RecordSource,
  SearchUpdateQueue,
} from './ports.js';
import { publishMetricEvents } from './publish-metric-events.js';
import type { RecordProcessor } from './record-processor.js';
import type { ResendFilter } from './resend-filter.js';
import { searchIdsByIndex, searchIdsOfEntities } from './search-ids.js';
import type { PipelineStats } from './stats.js';
import { validatePlugins } from './validate-plugins.js';

/** The systems the pipeline talks to, as ports (see `ports.ts`); production, tests and replays differ here. */
export interface PipelinePorts<Source extends RecordSource = RecordSource> {
  /** Builds the source once the stages exist: it feeds them and commits what the ingest stage hands back. */
  source(stages: PipelineStages): Source;
  store: MetricStore;
  /** Where processed events are published at once (before the store); absent when the store exports them. */
  metricTopic?: MetricTopicWriter;
  cache: MetricCache;
  /** Where search-index updates are queued; absent: none. */
  searchQueue?: SearchUpdateQueue;
  /** Where listeners' touches go (see `MetricEmitter.touch`); absent: dropped. */
  touches?: TouchSink;
  deadLetters: DeadLetterSink;
  /** Recognises re-sent changes before listeners run; absent: every change runs. */
  resends?: ResendFilter;
}

/** The plugins to run and the values the host provides them. */
export interface PipelinePlugins {
  plugins: readonly PluginDefinition[];
  provisions?: readonly HostProvision[];
}

export interface AssemblyOptions extends ProcessorChoice {
  logger?: Logger;
  /** Where the pipeline reports what it does (stats, instrumentation, observer); default: its own stats only. */
  reports?: PipelineReports;
  /** Aborts the stages' retries and the listeners' (shutdown). */
  signal?: AbortSignal;
  /** Entity type → search-update queue its metric events feed; types not listed are not queued. */
  searchIndexes?: Readonly<Record<string, string>>;
  flushIntervalMs?: number;
  flushRows?: number;
  maxBufferedRows?: number;
}

/** The assembled stages, the source feeding them, and what to close. */
export interface AssembledPipeline<Source extends RecordSource = RecordSource> extends PipelineStages {
  readonly source: Source;
  readonly stats: PipelineStats;
  readonly processor: RecordProcessor;
  /** The plugins' starts and stops, bound to this thread's container; the caller runs them (not the assembly). */
  readonly hooks: readonly PluginHook[];
}

/**
 * The one assembly of the event path, for the host, the test host and dry-run replays alike: validates the
 * plugins, builds their container and the record processor, and wires the ingest and apply stages to the
 * ports, reporting every write. Read top-down, it is the path of one change event.
 */
export async function assemblePipeline<Source extends RecordSource>(
  ports: PipelinePorts<Source>,
  { plugins, provisions = [] }: PipelinePlugins,
  options: AssemblyOptions,
): Promise<AssembledPipeline<Source>> {
  const logger = options.logger ?? silentLogger;
  const reports = options.reports ?? pipelineReports();
  const { emit, sinkBatch, attempt } = reports;
  const listeners = validatePlugins(
    plugins,
    provisions.map((p) => p.token),
  );
  const container = await PluginContainer.create(plugins, provisions);
  const processor = chooseProcessor(
    options,
    listeners,
    container,
    provisions.length > 0,
    logger,
    options.signal,
  );
  const deadLetters = reportedDeadLetters(ports.deadLetters, reports, logger);
  const indexes = options.searchIndexes ?? {};
  const enqueueSearch = ports.searchQueue ? searchFanOut(ports.searchQueue, reports) : undefined;
  const { store, metricTopic, cache } = ports;

  // Source records → listeners → metric topic (at once) and the store (per flush) → offset commits.
  const ingest = new IngestStage({
    processor,
    onProcessed: (records, batch) =>
      emit({ type: 'ingest.batch.processed', records, listenerRuns: batch.listenerRuns }),
    deadLetters,
    store: async (rows, lines) => {
      await attempt('clickhouse', rows.length, () => store.insert(rows, lines));
      emit({ type: 'sink.clickhouse.stored', rows: rows.length });
    },
    storeLines: store.insertLines
      ? async (lines) => {
          let rows = 0;
          for (const block of lines) rows += block.rows;
          await attempt('clickhouse', rows, () => store.insertLines!(lines));
          emit({ type: 'sink.clickhouse.stored', rows });
        }
      : undefined,
    // Published before the store holds them: marked so, and queued for search by the ingest stage after it.
    publish: metricTopic
      ? (rows, encoded) =>
          attempt('kafka', rows?.length ?? encoded!.json.length, () =>
            publishMetricEvents(metricTopic, rows, { stored: false, encoded }),
          )
      : undefined,
    stored: cache.stored
      ? async (rows) => {
          const dropped = await cache.stored!(rows);
          logger.debug({ rows: rows.count, dropped }, 'sink.redis.recent.trimmed');
        }
      : undefined,
    onStoredError: (err) => logger.warn({ err }, 'sink.redis.recent.trim_failed'),
    // The source exists once both stages do (it feeds them); commits only come after it delivered records.
    commit: (offsets) => source.commit(offsets),
    touches: ports.touches ? reportedTouches(ports.touches, reports) : undefined,
    queueForSearch:
      metricTopic && enqueueSearch
        ? (rows) => enqueueSearch(searchIdsOfEntities(rows.entities, indexes))
        : undefined,
    resends: ports.resends,
    flushIntervalMs: options.flushIntervalMs,
    flushRows: options.flushRows,
    maxBufferedRows: options.maxBufferedRows,
    onSkip: (record, reason) => {
      if (reason !== 'resend') {
        emit({ type: 'ingest.record.skipped' });
        return;
      }
      emit({ type: 'ingest.resend.skipped' });
      const { topic, partition, offset } = record;
      logger.debug({ topic, partition, offset }, 'ingest.resend.skipped');
    },
    onFlush: (rows, seconds) => {
      sinkBatch('clickhouse', rows, seconds);
      logger.debug({ rows, seconds }, 'sink.clickhouse.flush');
    },
    // Named by the sink that fails (the store, or Redis for touches and the search queue), not by the stage.
    onSinkState: (healthy, err) =>
      logger[healthy ? 'info' : 'warn'](
        { err },
        `sink.${ingest.failingSink ?? 'clickhouse'}.${healthy ? 'recovered' : 'failing'}`,
      ),
  });

  const reportApplied = (
    { applied, skipped, updatedKeys }: ApplyResult,
    started: number,
    onThread: boolean,
  ): void => {
    sinkBatch('redis', applied + skipped, (performance.now() - started) / 1000);
    emit({ type: 'sink.redis.applied', applied, skipped, keysUpdated: updatedKeys.length, onThread });
  };
  // Metric topic → the cache and the search queue.
  const apply = new ApplyStage({
    deadLetters,
    // Parsing the rows is most of the stage's own work: a worker pool does it on its threads.
    decodeMessages: processor.decodeMetricMessages?.bind(processor),
    onDecodeFallback: (err) => logger.warn({ err }, 'apply.decode.pool_failed'),
    applyToCache: async (events, position) => {
      const started = performance.now();
      const result = await attempt('redis', events.length, () => cache.apply(events, position));
      reportApplied(result, started, false);
      return result;
    },
    // A worker pool given the cache's settings decodes and applies large batches on its threads.
    applyElsewhere: processor.applyMetricRecords
      ? async (records, position, live) => {
          const started = performance.now();
          // Attempted like the apply here, so the Redis sink's health shows what the threads see.
          const done = await attempt('redis', records.length, () =>
            processor.applyMetricRecords!(records, position, enqueueSearch !== undefined, live),
          );
          if (done?.result) reportApplied(done.result, started, true);
          return done;
        }
      : undefined,
    onApplyFallback: (err) => logger.warn({ err }, 'apply.pool_failed'),
    readCachePositions: cache.positions?.bind(cache),
    queueForSearch: enqueueSearch ? (events) => enqueueSearch(searchIdsByIndex(events, indexes)) : undefined,
    onSinkState: (healthy, err) =>
      logger[healthy ? 'info' : 'warn']({ err }, `sink.redis.${healthy ? 'recovered' : 'failing'}`),
  });

  const source = ports.source({ ingest, apply });
  return { ingest, apply, source, stats: reports.stats, processor, hooks: pluginHooks(plugins, container) };
}

/** Search fan-out: the ids of a batch's events, grouped by the queue their entity type feeds, in one call. */
function searchFanOut(
  queue: SearchUpdateQueue,
  { attempt, sinkBatch }: PipelineReports,
): (byIndex: Map<string, number[]>) => Promise<void> {
  return async (byIndex) => {
    if (byIndex.size === 0) return;
    const started = performance.now();
    let ids = 0;
    for (const list of byIndex.values()) ids += list.length;
    await attempt('search', ids, () => queue.enqueueMany(byIndex));
    sinkBatch('search', ids, (performance.now() - started) / 1000);
  };
}

/** Dead letters that are counted and logged once written. */
function reportedDeadLetters(
  letters: DeadLetterSink,
  reports: PipelineReports,
  logger: Logger,
): DeadLetterSink {
  return {
    write: async (record, reason) => {
      await letters.write(record, reason);
      reports.deadLetter(reason, record);
      logger.warn({ reason }, 'dead_letter.written');
    },
  };
}

/** Touches whose writes are attempted and counted like any sink's. */
function reportedTouches(touches: TouchSink, { attempt, emit }: PipelineReports): TouchSink {
  return {
    add: async (list) => {
      await attempt('redis', list.length, () => touches.add(list));
      emit({ type: 'recompute.touches.queued', count: list.length });
    },
  };
}
