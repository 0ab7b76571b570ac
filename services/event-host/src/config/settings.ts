import { clickhouseSourceRoutes } from '@engagement/app-db/clickhouse';
import { clickhouseTopics, pluginSettings, searchQueues } from './json-settings.js';
import { flattenSettings, type Setting, setting as s } from './setting.js';
import {
  bool,
  broker,
  cronExpression,
  int,
  list,
  oneOf,
  packageName,
  text,
  topicPattern,
  url,
} from './setting-schemas.js';
import { MAINTENANCE_SETTINGS } from './settings-maintenance.js';

const DAY_MS = 86_400_000;

/**
 * Every setting the host reads, by section; `HostConfig` is computed from this table. Env names derive from
 * the path: `batch.flushRows` → `EVENT_HOST_BATCH_FLUSH_ROWS`.
 */
export const HOST_SETTINGS = {
  kafka: {
    brokers: s(list(broker, 'a comma-separated list of host:port'), 'Kafka bootstrap brokers', {
      requiredFor: ['start', 'dlq', 'reconcile'],
    }),
    clientId: s(text(), 'Kafka client id', { default: 'event-host' }),
    groupId: s(
      text(),
      'consumer group shared by every host of one deployment (the metric topic is read in <groupId>.metrics)',
      { default: 'event-host' },
    ),
    /** Source topics or patterns; null = the Debezium topics of the tables the loaded listeners declare. */
    topics: s(
      list(topicPattern, 'a comma-separated list of topic names or /regex/'),
      "source topics; default: the Debezium topics of the listeners' tables",
      { fallback: () => null },
    ),
    metricTopic: s(text(), 'entity metric event topic', { default: 'eventbus.entity-metric-events' }),
    deadLetterTopic: s(text(), 'dead-letter topic', { default: 'eventbus.dead-letters' }),
    /** Partitions of topics the host creates. */
    topicPartitions: s(int(1, 10_000), 'partitions of topics the host creates', { default: 3 }),
    sessionTimeoutMs: s(int(6_000, 300_000), "a dead member's partitions move after this long", {
      default: 30_000,
    }),
    partitionsConsumedConcurrently: s(int(1, 1_000), 'partitions processed at once', { default: 3 }),
  },
  debezium: {
    topicPrefix: s(text('a topic prefix', /^[\w.-]+$/), "Debezium's topic.prefix", { default: 'app' }),
    schema: s(text(), 'Postgres schema of the captured tables', { default: 'public' }),
    slot: s(
      text('a replication slot name', /^[a-z0-9_]+$/),
      "Debezium's replication slot, which reconcile waits on (default: the database's only logical slot)",
    ),
  },
  sources: {
    /** Topics of ClickHouse rows (Kafka-engine exports), by name, and the table each carries. */
    clickhouseTopics: s(
      clickhouseTopics,
      "topics of ClickHouse rows (Kafka-engine exports) and their tables; default: the app's source tables",
      { default: clickhouseSourceRoutes() },
    ),
  },
  plugins: {
    /** Package names, loaded in this order. */
    packages: s(list(packageName, 'a comma-separated list of npm package names'), 'plugin packages', {
      env: 'EVENT_HOST_PLUGINS',
      requiredFor: ['start', 'replay', 'reconcile'],
      fallback: (): string[] => [],
    }),
    /** Settings per plugin id, provided to that plugin under the token `<plugin-id>.settings`. */
    settings: s(pluginSettings, 'settings per plugin (token <plugin-id>.settings)', {
      env: 'EVENT_HOST_PLUGIN_SETTINGS',
      default: {},
      secret: 'json',
    }),
  },
  clickhouse: {
    url: s(url('http:', 'https:'), 'ClickHouse server URL (or set the embedded path)', { secret: 'url' }),
    path: s(text('a directory path'), 'directory of the embedded ClickHouse (chDB)'),
    username: s(text(), 'ClickHouse user'),
    password: s(text(), 'ClickHouse password', { secret: 'value' }),
    database: s(text(), 'ClickHouse database'),
    requestTimeoutMs: s(
      int(1_000, 86_400_000),
      "longest a request to a ClickHouse server may take (its client's default is 30 s): rolls, compactions and a migrated table's first roll can take longer",
      { default: 300_000 },
    ),
  },
  redis: {
    url: s(url('redis:', 'rediss:'), 'Redis holding the metric caches (or set the cluster nodes)', {
      secret: 'url',
    }),
    clusterNodes: s(
      list(broker, 'a comma-separated list of host:port'),
      'seed nodes of a Redis Cluster holding the caches instead; redis.url, when also set, lends its credentials and TLS',
    ),
    cacheShards: s(
      int(1, 16_384),
      'hash-tag shards of the metric caches, one apply script each per batch: 1 suits a single Redis node, more spread a Cluster; a cache written with another count must be emptied first',
      { default: 16 },
    ),
  },
  postgres: {
    url: s(url('postgres:', 'postgresql:'), 'Postgres for listener lookups (and reconcile)', {
      secret: 'url',
      requiredFor: ['reconcile'],
    }),
  },
  meilisearch: {
    url: s(url('http:', 'https:'), 'Meilisearch URL', { secret: 'url' }),
    key: s(text(), 'Meilisearch API key', { secret: 'value' }),
  },
  batch: {
    flushIntervalMs: s(int(10, 3_600_000), 'ClickHouse flush interval', { default: 30_000 }),
    flushRows: s(int(1, 10_000_000), 'ClickHouse flush size', { default: 50_000 }),
    maxBufferedRows: s(int(1, 100_000_000), 'bound of the ingest buffer (default 4 × flush rows)'),
  },
  /** Worker threads that run listeners; 0 runs them on the main thread. */
  workers: s(int(0, 256), 'worker threads running listeners; 0 = main thread', { default: 0 }),
  listenerMaxAttempts: s(int(1, 100), 'attempts per listener before a change is dead-lettered', {
    default: 3,
  }),
  /** Namespaces the cache watermarks and first-seen entries (one per environment sharing a Redis). */
  cacheScope: s(
    text('a word', /^[\w.-]+$/),
    "namespace of the host's Redis bookkeeping (watermarks, touch queues, first-seen entries), not of the metric hashes",
  ),
  /**
   * The re-send filter: `enabled` drops changes a source published again at a new offset before listeners
   * run; `firstSeenTtlMs` is how long a ClickHouse row's first position is kept in Redis.
   */
  resends: {
    enabled: s(
      bool,
      'drop changes a source published again at a new offset (Debezium after a Kafka Connect restart, a ClickHouse row exported twice)',
      { default: true },
    ),
    firstSeenTtlMs: s(
      int(60_000, 90 * DAY_MS),
      "how long Redis keeps a ClickHouse row's first position; a copy arriving later is counted twice in the caches",
      { default: 7 * DAY_MS },
    ),
  },
  search: {
    /** Cron expression (node-cron) of search-sync's regular flush. */
    schedule: s(cronExpression, 'when search-sync flushes queued updates to Meilisearch', {
      default: '*/5 * * * *',
    }),
    /** Queued ids (all entity types) that trigger an early flush; 0 disables it. */
    threshold: s(int(0), 'queued ids that make search-sync flush early (0 = never)', { default: 10_000 }),
    /** Most ids per entity type and flush round; a flush runs up to 50 rounds until the queues drain. */
    batchSize: s(
      int(1, 1_000_000),
      'most queued ids per entity type that one search-sync flush round takes',
      {
        default: 5_000,
      },
    ),
    /** One HTTP request to Meilisearch; a server that accepts and never answers fails the flush after it. */
    requestTimeoutMs: s(int(1_000, 600_000), 'longest one request to Meilisearch may take', {
      default: 30_000,
    }),
    /** Waiting for one Meilisearch task (an update is accepted at once and applied later). */
    taskTimeoutMs: s(int(1_000, 3_600_000), 'longest search-sync waits for one Meilisearch task to finish', {
      default: 60_000,
    }),
    /** Redis key prefix of the queues (`<prefix>queue:<name>`) and of the flush lock. */
    keyPrefix: s(text(), 'Redis key prefix of the search-update queues and flush lock', {
      default: 'search:',
    }),
    /**
     * Entity type → queue its metric events feed. Used when search-sync runs elsewhere; with
     * `meilisearch.url` set the host's own search-sync names the queues (one per entity type it indexes).
     */
    queues: s(
      searchQueues,
      'search-update queue per entity type, for a search-sync running elsewhere (unset meilisearch.url)',
      { default: { Image: 'Image', Post: 'Post', Model: 'Model' } },
    ),
  },
  http: {
    host: s(text(), 'address of the health, metrics and status endpoints', { default: '0.0.0.0' }),
    port: s(int(0, 65_535), 'port of the health, metrics and status endpoints (0 = any free)', {
      default: 9464,
    }),
  },
  shutdown: {
    deadlineMs: s(int(100, 600_000), 'graceful shutdown deadline', { default: 25_000 }),
  },
  start: {
    deadlineMs: s(
      int(1_000, 86_400_000),
      'how long a starting host keeps retrying an unreachable Kafka or ClickHouse (serving /healthz, not ready) before it exits',
      { default: 300_000 },
    ),
  },
  readiness: {
    stallAfterMs: s(int(1_000, 3_600_000), 'not ready when lag does not shrink for this long', {
      default: 60_000,
    }),
  },
  log: {
    level: s(oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'log level', {
      default: 'info',
    }),
    pretty: s(bool, 'human-readable logs (default: NODE_ENV=development)', {
      fallback: (env: Record<string, string | undefined>) => env.NODE_ENV === 'development',
    }),
  },
  ...MAINTENANCE_SETTINGS,
};

/** Every setting, flat, in the table's order, with its dotted path and variable. */
export type { Setting };

export const SETTINGS: readonly Setting[] = flattenSettings(HOST_SETTINGS);

/** The variable naming an optional JSON config file; `--config` on the command line wins over it. */
export const CONFIG_FILE_ENV = 'EVENT_HOST_CONFIG_FILE';
