import type { ClickHouseClient } from '@clickhouse/client';
import type { HostProvision, Logger, PluginDefinition } from '@engagement/plugin-api';
import type { Decoder, DecoderOptions } from '../events/decode.js';
import type { TouchSink } from '../metrics/metric-touch.js';
import type { ApplyStage } from '../runtime/apply-stage.js';
import type { IngestStage } from '../runtime/ingest-stage.js';
import type { Instrumentation } from '../runtime/instrumentation.js';
import type { PluginHook } from '../runtime/plugin-hooks.js';
import type { PipelineObserver, PipelineStats } from '../runtime/stats.js';
import type { RollupSchedule } from '../sinks/clickhouse/metric-roller.js';
import type { CacheKeyScheme } from '../sinks/redis/cache-keys.js';
import type { RedisClient, RedisConnection } from '../sinks/redis/redis-client.js';
import type { ConsumerState } from './event-consumer.js';

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
  /**
   * With a worker pool: metric-topic batches of at least this many bytes are decoded (and, given
   * `redisConnection`, applied) on its threads, smaller ones on the main thread (default 512 KiB: at moderate
   * rates batches are small and would wait for a thread busy with source batches).
   */
  poolMetricMinBytes?: number;
  /**
   * With a worker pool: also hand it metric-topic batches while the host is live (at the head of its source
   * partitions). Default false: a live host's batches are decoded and applied on the main thread, where their
   * latency is shortest; a backlog's large batches go to the threads.
   */
  poolMetricWhenLive?: boolean;
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
  redis: RedisClient;
  /**
   * Where `redis` connects, as data: with a worker pool, each thread opens its own connection from it and
   * applies the metric topic's larger batches to the cache itself (`WorkerPoolOptions.metricCache`). Without
   * it, or with a `cacheKeys` not made by `createCacheKeys`, the main thread applies every batch.
   */
  redisConnection?: RedisConnection;
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
  /** Redis key prefix of the search-update queues (default `search:{queue}:`, search-sync's default;
   * its hash tag keeps the queues in one Redis Cluster slot). */
  searchQueuePrefix?: string;
  /** Namespaces the cache watermarks and the re-send filter's first-seen entries, e.g. by environment. */
  cacheScope?: string;
  /**
   * How the cached hashes are named and sharded (default `defaultCacheKeys`, 16 shards). Each applied batch
   * runs one script per shard, so a single Redis node is best served by `createCacheKeys(1)`; readers of
   * the cache must use the same scheme.
   */
  cacheKeys?: CacheKeyScheme;
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
  /** Bytes fetched per partition and request (see `EventConsumerOptions.maxBytesPerPartition`); default 1 MiB. */
  maxBytesPerPartition?: number;
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
  /** The plugins' start and stop hooks, for the host to run around consumption (`start` does not run them). */
  readonly hooks: readonly PluginHook[];
}
