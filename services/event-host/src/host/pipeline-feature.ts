import { createEventPipeline } from '@engagement/event-bus/kafka';
import type { HostProvision, PluginDefinition } from '@engagement/plugin-api';
import { cacheKeysOf } from '../deployment/cache-scope.js';
import type { SourceTopics } from '../deployment/source-topics.js';
import { HostError } from '../errors.js';
import { type HostScope, hostTokens } from './host-scope.js';
import type { HostFeature } from './lifecycle.js';
import { redisConnection } from './open-redis.js';
import { type PoolProvisionSettings, poolProvisionsModule } from './pool-provisions.js';
import { searchSyncToken } from './search-sync-feature.js';

export interface PipelineFeatureInput {
  plugins: readonly PluginDefinition[];
  /** What the host supplies to plugins (pool threads build their own from the settings). */
  provisions: readonly HostProvision[];
  /** The packages pool threads load by name. */
  pluginModules: readonly string[];
  topics: SourceTopics;
  /** `plugins.settings` as validated at load (schema outputs), for pool threads; default: as configured. */
  pluginSettings?: Readonly<Record<string, unknown>>;
}

/** The pipeline feature and what the host reads of it. */
export interface PipelineFeature extends HostFeature {
  /** Resolves (never rejects) with `EH_SINK_REJECTED` when a sink refused work for good. */
  readonly failed: Promise<HostError>;
}

/**
 * The event pipeline (consumer, listeners, sinks) built from the host settings and registered as
 * `hostTokens.pipeline`. Its start creates the metric table, the topics, the producer and the consumer;
 * its stop drains, flushes and commits (only if it started). Needs the clients and the sink activity.
 */
export async function pipelineFeature(
  scope: HostScope,
  input: PipelineFeatureInput,
): Promise<PipelineFeature> {
  const { config, logger, lifecycle, container } = scope;
  const activity = container.get(hostTokens.sinkActivity);
  const search = container.find(searchSyncToken);
  const { topics } = input;
  let reportFailure!: (error: HostError) => void;
  const failed = new Promise<HostError>((resolve) => {
    reportFailure = resolve;
  });
  const pipeline = await createEventPipeline({
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    groupId: config.kafka.groupId,
    plugins: input.plugins,
    provisions: input.provisions,
    decode: {
      debezium: { topicPrefix: config.debezium.topicPrefix },
      clickhouse: config.sources.clickhouseTopics,
    },
    // Pool threads load the same packages by name and build their own provisions from these settings.
    workerThreads: config.workers,
    pluginModules: [...input.pluginModules],
    provisionsModule: poolProvisionsModule,
    provisionsData: {
      plugins: { ...config.plugins, settings: { ...(input.pluginSettings ?? config.plugins.settings) } },
      postgres: config.postgres,
      redis: config.redis,
      meilisearch: config.meilisearch,
      search: config.search,
    } satisfies PoolProvisionSettings,
    sourceTopics: topics.subscribe,
    createTopics: topics.create,
    metricTopic: config.kafka.metricTopic,
    deadLetterTopic: config.kafka.deadLetterTopic,
    topicPartitions: config.kafka.topicPartitions,
    clickhouse: container.get(hostTokens.clickhouse),
    redis: container.get(hostTokens.redis),
    // Pool threads open their own connections from it and apply the metric topic's larger batches.
    redisConnection: redisConnection(config),
    searchIndexes: search?.queueNames ?? config.search.queues,
    searchQueuePrefix: `${config.search.keyPrefix}{queue}:`,
    cacheScope: config.cacheScope,
    cacheKeys: cacheKeysOf(config),
    resends: config.resends.enabled && { firstSeenTtlMs: config.resends.firstSeenTtlMs },
    flushIntervalMs: config.batch.flushIntervalMs,
    flushRows: config.batch.flushRows,
    maxBufferedRows: config.batch.maxBufferedRows,
    partitionsConsumedConcurrently: config.kafka.partitionsConsumedConcurrently,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    listenerMaxAttempts: config.listenerMaxAttempts,
    rollup:
      config.rollup?.intervalMs === 0
        ? false
        : { intervalMs: config.rollup?.intervalMs, compactEvery: config.rollup?.compactEvery },
    logger,
    onFatal: (error) => {
      lifecycle.fail();
      const reason = error instanceof Error ? error.message : String(error);
      reportFailure(
        new HostError(
          'EH_SINK_REJECTED',
          `stopped: a sink refused work with an error retrying cannot fix (${reason}); nothing of it was committed: fix the cause and restart to process it again`,
          { cause: error },
        ),
      );
    },
    // The Prometheus counters subscribe to the instrumentation (built after the pipeline, before it starts).
    instrumentation: container.get(hostTokens.instrumentation),
    observer: {
      sinkBatch: (sink, rows, seconds) => {
        if (sink === 'clickhouse') activity.flush(rows, seconds);
      },
      deadLetter: (reason) => activity.deadLetter(reason),
      sinkAttempt: (sink, outcome) => activity.attempt(sink, outcome),
    },
  });
  container.provide(hostTokens.pipeline, pipeline);
  let started = false;
  return {
    name: 'pipeline',
    failed,
    connect: {
      // Creates the metric table (ClickHouse), the topics, then the producer and consumer (Kafka).
      dependency: (err) => (/^KafkaJS/.test((err as Error)?.name ?? '') ? 'Kafka' : 'ClickHouse'),
      run: async () => {
        await pipeline.start();
        started = true;
      },
    },
    stop: async () => {
      if (started) await pipeline.close();
    },
  };
}
