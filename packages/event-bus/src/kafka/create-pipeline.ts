import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import { Kafka, type logCreator, logLevel, Partitioners } from 'kafkajs';
import { createDecoder, type Decoder, type DecoderOptions } from '../events/decode.js';
import type { PluginDefinition } from '../listeners/define-plugin.js';
import { type Logger, silentLogger } from '../listeners/logger.js';
import type { EntityMetricEvent } from '../metrics/entity-metric-event.js';
import type { TouchSink } from '../metrics/metric-touch.js';
import { ApplyStage } from '../runtime/apply-stage.js';
import { IngestStage } from '../runtime/ingest-stage.js';
import type { Instrumentation, InstrumentationEvent } from '../runtime/instrumentation.js';
import { type HostProvision, PluginContainer } from '../runtime/plugin-container.js';
import { LocalProcessor, type RecordProcessor } from '../runtime/record-processor.js';
import { validatePlugins } from '../runtime/validate-plugins.js';
import { WorkerPoolProcessor } from '../runtime/worker-pool.js';
import { MetricEventStore } from '../sinks/clickhouse/metric-event-store.js';
import { MetricRoller, type RollupSchedule } from '../sinks/clickhouse/metric-roller.js';
import { ensureMetricEventTable } from '../sinks/clickhouse/schema.js';
import { MetricCacheSink } from '../sinks/redis/metric-cache-sink.js';
import { RedisTouchQueue } from '../sinks/redis/touch-queue.js';
import { SearchQueue } from '../sinks/search/search-queue.js';
import { KafkaDeadLetterSink } from './dead-letters.js';
import { type ConsumerState, EventConsumer } from './event-consumer.js';
import { retriableWhenRetriesRanOut } from './kafka-retries.js';
import { pipelineResendFilter } from './pipeline-resends.js';
import { publishMetricEvents } from './publish-metric-events.js';
import { searchIdsByIndex } from './search-ids.js';
import {
  emptyStats,
  type PipelineObserver,
  type PipelineSink,
  type PipelineStats,
  recordStats,
} from './stats.js';
import { ensureTopics } from './topics.js';

export interface EventPipelineOptions {
  brokers: string[];
  clientId?: string;
  groupId: string;
  plugins: readonly PluginDefinition[];
  provisions?: readonly HostProvision[];
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
  /** Records per processing chunk (one pool task). */
  chunkSize?: number;
  sourceTopics: (string | RegExp)[];
  /** Topics to create at start if missing (e.g. Debezium topics of the tables listeners declare). */
  createTopics?: string[];
  metricTopic?: string;
  deadLetterTopic?: string;
  /** Partitions for topics this pipeline creates. */
  topicPartitions?: number;
  clickhouse: ClickHouseClient;
  redis: Redis;
  /**
   * True with the embedded engine: the host publishes metric events to the metric topic itself, as soon as
   * each batch is processed (before the ClickHouse flush), so caches are incremented within milliseconds.
   */
  publishMetricEvents?: boolean;
  /**
   * Entity type → name of the search-update queue its metric events feed (search-sync drains one queue per
   * entity type, named after it). Entity types not listed are not queued.
   */
  searchIndexes?: Record<string, string>;
  /** Redis key prefix of the search-update queues (default `search:queue:`, search-sync's default). */
  searchQueuePrefix?: string;
  /** Namespaces the cache watermarks and the re-send filter's first-seen entries, e.g. by environment. */
  cacheScope?: string;
  /**
   * Recognising changes a source published again at a new offset (see `ResendFilter`); on by default.
   * `firstSeenTtlMs`: how long a ClickHouse row's first position is kept in Redis (default 7 days).
   * `false` turns the filter off: every change runs, and commits carry no positions.
   */
  resends?: { firstSeenTtlMs?: number } | false;
  /**
   * Where listeners' touches go (see `MetricEmitter.touch`): default the Redis touch queue of `cacheScope`,
   * which the host's recomputer drains; `false` drops them.
   */
  touches?: TouchSink | false;
  flushIntervalMs?: number;
  flushRows?: number;
  maxBufferedRows?: number;
  partitionsConsumedConcurrently?: number;
  /** How often idle metric partitions are compared with the positions Redis holds (default 5 s; 0: never). */
  positionCheckMs?: number;
  /** Kafka session timeout; a crashed member's partitions move after this long. */
  sessionTimeoutMs?: number;
  listenerMaxAttempts?: number;
  logger?: Logger;
  /**
   * The read rollup's roll job (metric-rollup.ts): on by default, every `EVENT_BUS_ROLLUP_INTERVAL_MS` or
   * 60 s; `false` when another process rolls this table.
   */
  rollup?: RollupSchedule;
  /** Per-batch, per-dead-letter and per-attempt observations (the host's sink activity). */
  observer?: PipelineObserver;
  /**
   * Where the pipeline reports what it did as it does it (records processed, rows stored, letters
   * written…); the host's Prometheus counters subscribe. Owned by the caller, so it outlives the pipeline.
   */
  instrumentation?: Instrumentation;
  /**
   * Called once when a sink refused work with an error retrying cannot fix (a schema mismatch, a key of
   * the wrong type): consumption has stopped without committing that work; close the pipeline and exit.
   */
  onFatal?(error: unknown): void;
}

/** A running pipeline: start it, read its state, close it gracefully. */
export interface EventPipeline {
  start(): Promise<void>;
  close(): Promise<void>;
  abort(): void;
  readonly stats: PipelineStats;
  readonly consumerState: ConsumerState;
  readonly ingest: IngestStage;
  readonly apply: ApplyStage;
  /** The non-retriable sink error that stopped consumption, if one did (see `onFatal`). */
  readonly failure: unknown;
}

/**
 * Builds the whole event path from options: validates the plugins, resolves their dependencies, and wires
 * Kafka, ClickHouse, Redis and the dead-letter topic. Nothing connects until `start()`.
 */
export async function createEventPipeline(options: EventPipelineOptions): Promise<EventPipeline> {
  const logger = options.logger ?? silentLogger;
  const stats = emptyStats();
  const observer = options.observer ?? {};
  const emit = (event: InstrumentationEvent) => {
    recordStats(stats, event);
    options.instrumentation?.emit(event);
  };
  /** A sink accepted a batch: for the observer and the instrumentation subscribers. */
  const sinkBatch = (sink: PipelineSink, rows: number, seconds: number) => {
    observer.sinkBatch?.(sink, rows, seconds);
    emit({ type: 'sink.batch', sink, rows, seconds });
  };
  const metricTopic = options.metricTopic ?? 'eventbus.entity-metric-events';
  const deadLetterTopic = options.deadLetterTopic ?? 'eventbus.dead-letters';
  const registered = validatePlugins(
    options.plugins,
    (options.provisions ?? []).map((p) => p.token),
  );
  const container = await PluginContainer.create(options.plugins, options.provisions ?? []);
  const stop = new AbortController();

  const kafka = new Kafka({
    clientId: options.clientId ?? 'event-host',
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger.child({ component: 'kafkajs' })),
    retry: { retries: 8 },
  });
  // Unlimited retries keep the idempotent producer's ordering guarantee (kafkajs warns otherwise); an
  // outage then blocks the flush, which is the backpressure we want.
  const producer = kafka.producer({
    idempotent: true,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
  });
  const store = new MetricEventStore(options.clickhouse);
  // Published before ClickHouse holds them: marked so, and queued for search by the ingest stage after the store.
  const publish = (rows: EntityMetricEvent[]) =>
    publishMetricEvents(producer, metricTopic, rows, { stored: false });
  const cache = new MetricCacheSink(options.redis, {
    watermarkKey: `eventbus:cache:watermarks${options.cacheScope ? `:${options.cacheScope}` : ''}`,
  });
  const searchQueue = new SearchQueue(options.redis, options.searchQueuePrefix);
  // Committed offsets with their metadata (the re-send filter's positions), read when a partition is assigned.
  const offsetsAdmin = kafka.admin();
  const resends =
    options.resends === false
      ? undefined
      : pipelineResendFilter({
          admin: offsetsAdmin,
          groupId: options.groupId,
          redis: options.redis,
          scope: options.cacheScope,
          firstSeenTtlMs: options.resends?.firstSeenTtlMs,
          logger,
          signal: stop.signal,
          attempt: (rows, write) => attempt('redis', rows, write),
        });
  const deadLetters = new KafkaDeadLetterSink(producer, deadLetterTopic, (reason, record) => {
    observer.deadLetter?.(reason, record);
    emit({ type: 'dead_letter.written', code: reason.code, listenerId: reason.listenerId });
    logger.warn({ reason }, 'dead_letter.written');
  });

  const indexes = options.searchIndexes ?? {};
  const queueForSearch = async (events: EntityMetricEvent[]) => {
    const byIndex = searchIdsByIndex(events, indexes);
    if (byIndex.size === 0) return;
    const started = performance.now();
    let ids = 0;
    for (const list of byIndex.values()) ids += list.length;
    await attempt('search', ids, () => searchQueue.enqueueMany(byIndex));
    sinkBatch('search', ids, (performance.now() - started) / 1000);
  };
  const processor = createProcessor(options, registered, container, logger, stop.signal);
  let consumer: EventConsumer;
  const ingest = new IngestStage({
    processor,
    onProcessed: (records, batch) =>
      emit({ type: 'ingest.batch.processed', records, listenerRuns: batch.listenerRuns }),
    deadLetters,
    store: async (rows) => {
      await attempt('clickhouse', rows.length, () => store.insert(rows));
      emit({ type: 'sink.clickhouse.stored', rows: rows.length });
    },
    publish:
      options.publishMetricEvents === false
        ? undefined
        : (rows) => attempt('kafka', rows.length, () => publish(rows).catch(retriableWhenRetriesRanOut)),
    stored: async (rows) => {
      const dropped = await cache.stored(rows);
      logger.debug({ rows: rows.length, dropped }, 'sink.redis.recent.trimmed');
    },
    onStoredError: (err) => logger.warn({ err }, 'sink.redis.recent.trim_failed'),
    commit: (offsets) => consumer.commitSource(offsets),
    touches: touchSink(),
    queueForSearch: options.publishMetricEvents === false ? undefined : queueForSearch,
    resends,
    flushIntervalMs: options.flushIntervalMs,
    flushRows: options.flushRows,
    maxBufferedRows: options.maxBufferedRows,
    onSkip: (record, reason) => {
      if (reason !== 'resend') {
        emit({ type: 'ingest.record.skipped' });
        return;
      }
      emit({ type: 'ingest.resend.skipped' });
      logger.debug(
        { topic: record.topic, partition: record.partition, offset: record.offset },
        'ingest.resend.skipped',
      );
    },
    onFlush: (rows, seconds) => {
      sinkBatch('clickhouse', rows, seconds);
      logger.debug({ rows, seconds }, 'sink.clickhouse.flush');
    },
    onSinkState: (healthy, err) =>
      logger[healthy ? 'info' : 'warn']({ err }, `sink.clickhouse.${healthy ? 'recovered' : 'failing'}`),
  });

  const apply = new ApplyStage({
    deadLetters,
    applyToCache: async (events, position) => {
      const started = performance.now();
      const result = await attempt('redis', events.length, () => cache.apply(events, position));
      sinkBatch('redis', events.length, (performance.now() - started) / 1000);
      emit({
        type: 'sink.redis.applied',
        applied: result.applied,
        skipped: result.skipped,
        keysUpdated: result.updatedKeys.length,
      });
      return result;
    },
    readCachePositions: (topic, partitions) => cache.positions(topic, partitions),
    queueForSearch,
    onSinkState: (healthy, err) =>
      logger[healthy ? 'info' : 'warn']({ err }, `sink.redis.${healthy ? 'recovered' : 'failing'}`),
  });

  function touchSink(): TouchSink | undefined {
    if (options.touches === false) return undefined;
    if (options.touches) return options.touches;
    const queue = new RedisTouchQueue(options.redis, options.cacheScope);
    return {
      add: async (touches) => {
        await attempt('redis', touches.length, () => queue.add(touches));
        emit({ type: 'recompute.touches.queued', count: touches.length });
      },
    };
  }

  /** Runs one sink write and reports its outcome to the observer. */
  async function attempt<T>(sink: PipelineSink | 'kafka', rows: number, write: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const value = await write();
      observer.sinkAttempt?.(sink, { ok: true, rows, seconds: (performance.now() - started) / 1000 });
      return value;
    } catch (error) {
      observer.sinkAttempt?.(sink, { ok: false, error });
      throw error;
    }
  }

  consumer = new EventConsumer({
    kafka,
    groupId: options.groupId,
    sourceTopics: options.sourceTopics,
    metricTopic,
    ingest,
    apply,
    logger,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    sessionTimeoutMs: options.sessionTimeoutMs,
    chunkSize: options.chunkSize,
    positionCheckMs: options.positionCheckMs,
    onCacheRollback: () => emit({ type: 'cache.rollback.detected' }),
    onFatal: options.onFatal,
  });

  const roller =
    options.rollup === false
      ? undefined
      : new MetricRoller(options.clickhouse, options.rollup ?? {}, logger.child({ component: 'rollup' }));

  return {
    stats,
    ingest,
    apply,
    get consumerState() {
      return consumer.state;
    },
    get failure() {
      return consumer.failure;
    },
    async start() {
      await ensureMetricEventTable(options.clickhouse);
      const admin = kafka.admin();
      await admin.connect();
      try {
        await ensureTopics(admin, [metricTopic, deadLetterTopic, ...(options.createTopics ?? [])], {
          numPartitions: options.topicPartitions ?? 3,
        });
      } finally {
        await admin.disconnect();
      }
      await producer.connect();
      if (resends) await offsetsAdmin.connect();
      await consumer.start();
      roller?.start();
    },
    async close() {
      try {
        await roller?.stop();
        await consumer.close();
      } finally {
        stop.abort();
        await Promise.all([producer.disconnect(), offsetsAdmin.disconnect(), processor.close()]);
      }
    },
    abort() {
      stop.abort();
      consumer.abort();
    },
  };
}

/** The in-process processor, or a worker pool when `workerThreads` > 0. */
function createProcessor(
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

/**
 * kafkajs logs through the pipeline's logger instead of its own JSON lines. Its ERROR entries are mostly
 * responses it retries itself (a rebalance in progress, a leader not elected yet), so they are warnings
 * here; the pipeline logs errors that really stop it.
 */
function kafkaLogCreator(log: Logger): logCreator {
  return () =>
    ({ namespace, level, log: entry }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry;
      const bound = { ...fields, namespace };
      if (level === logLevel.ERROR || level === logLevel.WARN) log.warn(bound, message);
      else if (level === logLevel.INFO) log.info(bound, message);
      else log.debug(bound, message);
    };
}
