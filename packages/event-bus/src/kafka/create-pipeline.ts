import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { silentLogger } from '../listeners/logger.js';
import type { EntityMetricEvent } from '../metrics/entity-metric-event.js';
import type { TouchSink } from '../metrics/metric-touch.js';
import { ApplyStage } from '../runtime/apply-stage.js';
import { IngestStage } from '../runtime/ingest-stage.js';
import { PluginContainer } from '../runtime/plugin-container.js';
import { validatePlugins } from '../runtime/validate-plugins.js';
import { MetricEventStore } from '../sinks/clickhouse/metric-event-store.js';
import { MetricRoller } from '../sinks/clickhouse/metric-roller.js';
import { ensureMetricEventTable } from '../sinks/clickhouse/schema.js';
import { MetricCacheSink } from '../sinks/redis/metric-cache-sink.js';
import { RedisTouchQueue } from '../sinks/redis/touch-queue.js';
import { SearchQueue } from '../sinks/search/search-queue.js';
import { KafkaDeadLetterSink } from './dead-letters.js';
import { EventConsumer } from './event-consumer.js';
import { kafkaLogCreator } from './kafka-log.js';
import { retriableWhenRetriesRanOut } from './kafka-retries.js';
import type { EventPipeline, EventPipelineOptions } from './pipeline-options.js';
import { createProcessor } from './pipeline-processor.js';
import { pipelineReports } from './pipeline-reports.js';
import { pipelineResendFilter } from './pipeline-resends.js';
import { publishMetricEvents } from './publish-metric-events.js';
import { searchIdsByIndex } from './search-ids.js';
import { ensureTopics } from './topics.js';

// Tests and benchmarks import the types from here too.
export type { EventPipeline, EventPipelineOptions } from './pipeline-options.js';

/**
 * Builds the whole event path from options: validates the plugins, resolves their dependencies, and wires
 * Kafka, ClickHouse, Redis and the dead-letter topic. Nothing connects until `start()`.
 */
export async function createEventPipeline(options: EventPipelineOptions): Promise<EventPipeline> {
  const logger = options.logger ?? silentLogger;
  // Every count (stats, the caller's instrumentation, its observer) is reported where it happens.
  const reports = pipelineReports(options.observer, options.instrumentation, (err, event) =>
    logger.warn({ err, event: event.type }, 'instrumentation.failed'),
  );
  const { stats, emit, sinkBatch, attempt } = reports;
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
    reports.deadLetter(reason, record);
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
