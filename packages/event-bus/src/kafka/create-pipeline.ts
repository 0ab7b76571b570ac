import { silentLogger } from '@engagement/plugin-api';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { assemblePipeline } from '../runtime/assemble-pipeline.js';
import { pipelineReports } from '../runtime/pipeline-reports.js';
import { MetricEventStore } from '../sinks/clickhouse/metric-event-store.js';
import { MetricRoller } from '../sinks/clickhouse/metric-roller.js';
import { ensureMetricEventTable } from '../sinks/clickhouse/schema.js';
import { cacheWatermarkKey, defaultCacheKeys, isCreatedCacheKeys } from '../sinks/redis/cache-keys.js';
import { MetricCacheSink } from '../sinks/redis/metric-cache-sink.js';
import { type PoolMetricCacheSettings, poolMetricCacheModule } from '../sinks/redis/pool-metric-cache.js';
import { RedisTouchQueue } from '../sinks/redis/touch-queue.js';
import { SearchQueue } from '../sinks/search/search-queue.js';
import { KafkaDeadLetterSink } from './dead-letters.js';
import { EventConsumer } from './event-consumer.js';
import { kafkaLogCreator } from './kafka-log.js';
import { kafkaMetricTopic } from './kafka-metric-topic.js';
import { retriableWhenRetriesRanOut } from './kafka-retries.js';
import type { EventPipeline, EventPipelineOptions } from './pipeline-options.js';
import { pipelineResendFilter } from './pipeline-resends.js';
import { type PoolMetricTopicSettings, poolMetricTopicModule } from './pool-metric-topic.js';
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
  const metricTopic = options.metricTopic ?? 'eventbus.entity-metric-events';
  const deadLetterTopic = options.deadLetterTopic ?? 'eventbus.dead-letters';
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
          attempt: (rows, write) => reports.attempt('redis', rows, write),
        });
  const pipeline = await assemblePipeline(
    {
      source: (stages) =>
        new EventConsumer({
          kafka,
          groupId: options.groupId,
          sourceTopics: options.sourceTopics,
          metricTopic,
          ...stages,
          logger,
          partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
          sessionTimeoutMs: options.sessionTimeoutMs,
          maxBytesPerPartition: options.maxBytesPerPartition,
          chunkSize: options.chunkSize,
          positionCheckMs: options.positionCheckMs,
          onCacheRollback: () => reports.emit({ type: 'cache.rollback.detected' }),
          onFatal: options.onFatal,
        }),
      store: new MetricEventStore(options.clickhouse),
      metricTopic:
        options.publishMetricEvents === false
          ? undefined
          : kafkaMetricTopic(producer, metricTopic, retriableWhenRetriesRanOut),
      cache: new MetricCacheSink(options.redis, {
        watermarkKey: cacheWatermarkKey(options.cacheScope),
        keys: options.cacheKeys,
      }),
      searchQueue: new SearchQueue(options.redis, options.searchQueuePrefix),
      touches:
        options.touches === false
          ? undefined
          : (options.touches ?? new RedisTouchQueue(options.redis, options.cacheScope)),
      deadLetters: new KafkaDeadLetterSink(producer, deadLetterTopic),
      resends,
    },
    { plugins: options.plugins, provisions: options.provisions },
    {
      ...options,
      logger,
      reports,
      signal: stop.signal,
      // Pool threads send the metric messages they encoded with producers of their own: Kafka's encoding of
      // them (a tenth of the main thread's work with a pool) scales with the pool too.
      poolMetricCache: poolCache(options),
      poolMetricTopic:
        options.publishMetricEvents === false
          ? undefined
          : {
              module: poolMetricTopicModule,
              settings: {
                brokers: options.brokers,
                clientId: options.clientId ?? 'event-host',
                topic: metricTopic,
              } satisfies PoolMetricTopicSettings,
            },
    },
  );
  const { ingest, apply, processor, source: consumer } = pipeline;

  const roller =
    options.rollup === false
      ? undefined
      : new MetricRoller(
          options.clickhouse,
          options.rollup ?? {},
          logger.child({ component: 'rollup' }),
          (event) => reports.emit(event),
        );

  return {
    stats: pipeline.stats,
    hooks: pipeline.hooks,
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

/**
 * What pool threads build their own cache sinks from, when they can: the connection is given as data and the
 * key scheme is one `createCacheKeys` makes. Applying a batch (building and sending its scripts) then runs on
 * the threads too.
 */
function poolCache(
  options: EventPipelineOptions,
): { module: string; settings: PoolMetricCacheSettings } | undefined {
  const keys = options.cacheKeys ?? defaultCacheKeys;
  if (!options.redisConnection || !isCreatedCacheKeys(keys)) return undefined;
  return {
    module: poolMetricCacheModule,
    settings: {
      connection: options.redisConnection,
      watermarkKey: cacheWatermarkKey(options.cacheScope),
      shards: keys.shards,
    },
  };
}
