import { clickhouseSourceRoutes } from '@engagement/app-db/clickhouse';
import type { ConfigPurpose } from './host-config.js';
import type { SecretKind } from './mask-secrets.js';
import {
  bool,
  broker,
  cronExpression,
  int,
  jsonObject,
  list,
  oneOf,
  type Parser,
  packageName,
  text,
  topicPattern,
  url,
} from './parsers.js';

/** One setting: where it lives in the file and in `HostConfig`, its env variable, and how to read it. */
export interface Setting {
  /** Dotted path in the config file and in `HostConfig`, e.g. `kafka.brokers`. */
  path: string;
  /** The environment variable, e.g. `EVENT_HOST_KAFKA_BROKERS`. */
  env: string;
  parse: Parser<unknown>;
  default?: unknown;
  requiredFor?: readonly ConfigPurpose[];
  /** Secret-bearing: how it is masked wherever settings are printed (see `shownValue`). */
  secret?: SecretKind;
  help: string;
}

const s = (path: string, parse: Parser<unknown>, help: string, extra: Partial<Setting> = {}): Setting => ({
  path,
  env: `EVENT_HOST_${path
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/\./g, '_')
    .toUpperCase()}`,
  parse,
  help,
  ...extra,
});

const ms = int(0);
const DAY_MS = 86_400_000;

/** Every setting the host reads. Env names derive from the path: `batch.flushRows` → `EVENT_HOST_BATCH_FLUSH_ROWS`. */
export const SETTINGS: readonly Setting[] = [
  s('kafka.brokers', list(broker, 'a comma-separated list of host:port'), 'Kafka bootstrap brokers', {
    requiredFor: ['start', 'dlq', 'reconcile'],
  }),
  s('kafka.clientId', text(), 'Kafka client id', { default: 'event-host' }),
  s('kafka.groupId', text(), 'consumer group shared by every host of one deployment', {
    default: 'event-host',
  }),
  s(
    'kafka.topics',
    list(topicPattern, 'a comma-separated list of topic names or /regex/'),
    "source topics; default: the Debezium topics of the listeners' tables",
  ),
  s('kafka.metricTopic', text(), 'entity metric event topic', { default: 'eventbus.entity-metric-events' }),
  s('kafka.deadLetterTopic', text(), 'dead-letter topic', { default: 'eventbus.dead-letters' }),
  s('kafka.topicPartitions', int(1, 10_000), 'partitions of topics the host creates', { default: 3 }),
  s('kafka.sessionTimeoutMs', int(6_000, 300_000), "a dead member's partitions move after this long", {
    default: 30_000,
  }),
  s('kafka.partitionsConsumedConcurrently', int(1, 1_000), 'partitions processed at once', { default: 3 }),
  s('debezium.topicPrefix', text('a topic prefix', /^[\w.-]+$/), "Debezium's topic.prefix", {
    default: 'app',
  }),
  s('debezium.schema', text(), 'Postgres schema of the captured tables', { default: 'public' }),
  s(
    'debezium.slot',
    text('a replication slot name', /^[a-z0-9_]+$/),
    "Debezium's replication slot, which reconcile waits on (default: the database's only logical slot)",
  ),
  s(
    'sources.clickhouseTopics',
    jsonObject('a JSON object {topic: {table, timestampColumn, idColumn?}}'),
    "topics of ClickHouse rows (Kafka-engine exports) and their tables; default: the app's source tables",
    { default: clickhouseSourceRoutes() },
  ),
  s('plugins.packages', list(packageName, 'a comma-separated list of npm package names'), 'plugin packages', {
    env: 'EVENT_HOST_PLUGINS',
    requiredFor: ['start', 'replay', 'reconcile'],
  }),
  s(
    'plugins.settings',
    jsonObject('a JSON object keyed by plugin id'),
    'settings per plugin (token <plugin-id>.settings)',
    {
      env: 'EVENT_HOST_PLUGIN_SETTINGS',
      default: {},
      secret: 'json',
    },
  ),
  s('clickhouse.url', url('http:', 'https:'), 'ClickHouse server URL (or set the embedded path)', {
    secret: 'url',
  }),
  s('clickhouse.path', text('a directory path'), 'directory of the embedded ClickHouse (chDB)'),
  s('clickhouse.username', text(), 'ClickHouse user'),
  s('clickhouse.password', text(), 'ClickHouse password', { secret: 'value' }),
  s('clickhouse.database', text(), 'ClickHouse database'),
  s('redis.url', url('redis:', 'rediss:'), 'Redis holding the metric caches (or set the cluster nodes)', {
    secret: 'url',
  }),
  s(
    'redis.clusterNodes',
    list(broker, 'a comma-separated list of host:port'),
    'seed nodes of a Redis Cluster holding the caches instead; redis.url, when also set, lends its credentials and TLS',
  ),
  s('postgres.url', url('postgres:', 'postgresql:'), 'Postgres for listener lookups (and reconcile)', {
    secret: 'url',
    requiredFor: ['reconcile'],
  }),
  s('meilisearch.url', url('http:', 'https:'), 'Meilisearch URL', { secret: 'url' }),
  s('meilisearch.key', text(), 'Meilisearch API key', { secret: 'value' }),
  s('batch.flushIntervalMs', int(10, 3_600_000), 'ClickHouse flush interval', { default: 30_000 }),
  s('batch.flushRows', int(1, 10_000_000), 'ClickHouse flush size', { default: 50_000 }),
  s('batch.maxBufferedRows', int(1, 100_000_000), 'bound of the ingest buffer (default 4 × flush rows)'),
  s('workers', int(0, 256), 'worker threads running listeners; 0 = main thread', { default: 0 }),
  s('listenerMaxAttempts', int(1, 100), 'attempts per listener before a change is dead-lettered', {
    default: 3,
  }),
  s('cacheScope', text('a word', /^[\w.-]+$/), 'namespace of the cache watermarks'),
  s(
    'resends.enabled',
    bool,
    'drop changes a source published again at a new offset (Debezium after a Kafka Connect restart, a ClickHouse row exported twice)',
    { default: true },
  ),
  s(
    'resends.firstSeenTtlMs',
    int(60_000, 90 * DAY_MS),
    "how long Redis keeps a ClickHouse row's first position; a copy arriving later is counted twice in the caches",
    { default: 7 * DAY_MS },
  ),
  s('search.schedule', cronExpression, 'when search-sync flushes queued updates to Meilisearch', {
    default: '*/5 * * * *',
  }),
  s('search.threshold', int(0), 'queued ids that make search-sync flush early (0 = never)', {
    default: 10_000,
  }),
  s('search.keyPrefix', text(), 'Redis key prefix of the search-update queues and flush lock', {
    default: 'search:',
  }),
  s(
    'search.queues',
    jsonObject('a JSON object {entityType: queue}'),
    'search-update queue per entity type, for a search-sync running elsewhere (unset meilisearch.url)',
    { default: { Image: 'Image', Post: 'Post', Model: 'Model' } },
  ),
  s('http.host', text(), 'address of the health, metrics and status endpoints', { default: '0.0.0.0' }),
  s('http.port', int(0, 65_535), 'port of the health, metrics and status endpoints (0 = any free)', {
    default: 9464,
  }),
  s('shutdown.deadlineMs', int(100, 600_000), 'graceful shutdown deadline', { default: 25_000 }),
  s(
    'start.deadlineMs',
    int(1_000, 86_400_000),
    'how long a starting host keeps retrying an unreachable Kafka or ClickHouse (serving /healthz, not ready) before it exits',
    { default: 300_000 },
  ),
  s('readiness.stallAfterMs', int(1_000, 3_600_000), 'not ready when lag does not shrink for this long', {
    default: 60_000,
  }),
  s('log.level', oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'log level', {
    default: 'info',
  }),
  s('log.pretty', bool, 'human-readable logs (default: NODE_ENV=development)'),
  s('drift.intervalMs', ms, 'how often the host checks a sample of cached metrics for drift (0 = never)', {
    default: 300_000,
  }),
  s('drift.sample', int(1, 1_000_000), 'entities per drift sample', { default: 200 }),
  s(
    'rollup.intervalMs',
    ms,
    'how often this instance rolls the read rollup (0 = never; default EVENT_BUS_ROLLUP_INTERVAL_MS or 60 s)',
  ),
  s('reconcile.batchSize', int(1, 100_000), 'entities per reconcile snapshot (one Postgres transaction)', {
    default: 500,
  }),
  s(
    'reconcile.waitMs',
    int(1_000, 3_600_000),
    'how long reconcile waits for the stream to store what its snapshot sees before reporting "not caught up"',
    { default: 120_000 },
  ),
  s(
    'reconcile.clickhouseSettleMs',
    int(0, 86_400_000),
    'ClickHouse source rows younger than this are not compared (their export may be in flight)',
    { default: 60_000 },
  ),
  s(
    'reconcile.enabled',
    bool,
    'run a sampled reconcile periodically in the host (one host of the group at a time); needs postgres.url',
    { default: false },
  ),
  s('reconcile.intervalMs', int(1_000, 7 * DAY_MS), 'pause between two periodic reconciles', {
    default: 900_000,
  }),
  s('reconcile.sampleSize', int(1, 1_000_000), 'entities per entity type each periodic reconcile draws', {
    default: 200,
  }),
  s(
    'reconcile.repair',
    bool,
    'let the periodic reconcile write the corrections it finds (as `metrics reconcile --repair` does); off: report only',
    { default: false },
  ),
  s(
    'recompute.enabled',
    bool,
    'recompute metrics listeners touch (counts over joins) from the source; one host of the group leads (needs postgres.url)',
    { default: true },
  ),
  s('recompute.intervalMs', int(100, 3_600_000), 'pause between two recompute passes of the leader', {
    default: 2_000,
  }),
  s(
    'recompute.settleMs',
    int(2_500, 3_600_000),
    "how long a touched entity waits before it is recomputed (more than the lookups' 2 s freshness: see docs/architecture.md)",
    { default: 10_000 },
  ),
  s('recompute.batchSize', int(1, 100_000), 'touched entities per entity type and recompute pass', {
    default: 500,
  }),
  s(
    'recompute.waitMs',
    int(1_000, 3_600_000),
    'how long a recompute pass waits for the stream to store what its snapshot sees; if not, its entities wait for the next pass',
    { default: 120_000 },
  ),
];

/** The variable naming an optional JSON config file; `--config` on the command line wins over it. */
export const CONFIG_FILE_ENV = 'EVENT_HOST_CONFIG_FILE';
