import type { ClickHouseTopicRoute } from '@engagement/event-bus';

/** The validated configuration of one host. Built by `loadConfig` from `EVENT_HOST_*` variables and a file. */
export interface HostConfig {
  kafka: {
    brokers: string[];
    clientId: string;
    groupId: string;
    /** Source topics or patterns; null = the Debezium topics of the tables the loaded listeners declare. */
    topics: (string | RegExp)[] | null;
    metricTopic: string;
    deadLetterTopic: string;
    /** Partitions of topics the host creates. */
    topicPartitions: number;
    sessionTimeoutMs: number;
    partitionsConsumedConcurrently: number;
  };
  debezium: { topicPrefix: string; schema: string; slot?: string };
  sources: {
    /** Topics of ClickHouse rows (Kafka-engine exports), by name, and the table each carries. */
    clickhouseTopics: Record<string, Omit<ClickHouseTopicRoute, 'kind'>>;
  };
  plugins: {
    /** Package names, loaded in this order. */
    packages: string[];
    /** Settings per plugin id, provided to that plugin under the token `<plugin-id>.settings`. */
    settings: Record<string, unknown>;
  };
  clickhouse: { url?: string; path?: string; username?: string; password?: string; database?: string };
  /** One Redis (`url`) or a Redis Cluster (`clusterNodes`, `host:port` seeds); see `openRedis`. */
  redis: { url?: string; clusterNodes?: string[] };
  postgres: { url?: string };
  meilisearch: { url?: string; key?: string };
  batch: { flushIntervalMs: number; flushRows: number; maxBufferedRows?: number };
  /** Worker threads that run listeners; 0 runs them on the main thread. */
  workers: number;
  listenerMaxAttempts: number;
  /** Namespaces the cache watermarks and first-seen entries (one per environment sharing a Redis). */
  cacheScope?: string;
  /**
   * The re-send filter: `enabled` drops changes a source published again at a new offset before listeners
   * run; `firstSeenTtlMs` is how long a ClickHouse row's first position is kept in Redis.
   */
  resends: { enabled: boolean; firstSeenTtlMs: number };
  search: {
    /** Cron expression (node-cron) of search-sync's regular flush. */
    schedule: string;
    /** Queued ids (all entity types) that trigger an early flush; 0 disables it. */
    threshold: number;
    /** Redis key prefix of the queues (`<prefix>{queue}:<name>`) and of the flush lock. */
    keyPrefix: string;
    /**
     * Entity type → queue its metric events feed. Used when search-sync runs elsewhere; with
     * `meilisearch.url` set the host's own search-sync names the queues (one per entity type it indexes).
     */
    queues: Record<string, string>;
  };
  http: { host: string; port: number };
  shutdown: { deadlineMs: number };
  start: { deadlineMs: number };
  readiness: { stallAfterMs: number };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'; pretty: boolean };
  drift: { intervalMs: number; sample: number };
  rollup: { intervalMs?: number };
  reconcile: {
    batchSize: number;
    waitMs: number;
    clickhouseSettleMs: number;
    /** The host's periodic sampled reconcile (`reconcile.enabled`), and whether it repairs what it finds. */
    enabled: boolean;
    intervalMs: number;
    sampleSize: number;
    repair: boolean;
  };
  recompute: { enabled: boolean; intervalMs: number; settleMs: number; batchSize: number; waitMs: number };
}

/** What a command needs; settings required for it must be present. */
export type ConfigPurpose = 'start' | 'replay' | 'dlq' | 'drift' | 'reconcile';
