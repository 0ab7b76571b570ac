import { DecodeError } from '../errors.js';

/** A Debezium table topic: rows of `schema.table` in Postgres. */
export interface DebeziumTableRoute {
  kind: 'debezium';
  table: string;
  schema: string;
}

/** A topic of ClickHouse rows (JSONEachRow), one row per message. */
export interface ClickHouseTopicRoute {
  kind: 'clickhouse';
  table: string;
  /** Column holding when the row happened, e.g. `createdAt` (DateTime64 in UTC). */
  timestampColumn: string;
  /** Column holding the row's own identity; defaults to `eventId` when the row has one. */
  idColumn?: string;
}

/** Where a topic's messages go. `heartbeat`, `transaction` and `ignore` topics produce only skips. */
export type TopicRoute =
  | DebeziumTableRoute
  | ClickHouseTopicRoute
  | { kind: 'heartbeat' }
  | { kind: 'transaction' }
  | { kind: 'ignore' };

/** How topics map to tables. Overrides win, then ClickHouse topics, then the Debezium naming scheme. */
export interface RoutingOptions {
  debezium?: {
    /** Debezium's `topic.prefix`; table topics are `<prefix>.<schema>.<table>`. */
    topicPrefix: string;
    /** Debezium's `topic.heartbeat.prefix`; default `__debezium-heartbeat` (topic `<it>.<prefix>`). */
    heartbeatTopicPrefix?: string;
    /** Debezium's `topic.transaction`; default `transaction` (topic `<prefix>.transaction`). */
    transactionTopicSuffix?: string;
  };
  /** ClickHouse row topics by exact name. */
  clickhouse?: Readonly<Record<string, Omit<ClickHouseTopicRoute, 'kind'>>>;
  /** Exact per-topic routes, e.g. a topic renamed by a RegexRouter SMT, or one to ignore. */
  overrides?: Readonly<Record<string, TopicRoute>>;
  /**
   * A topic nothing routes. Default `'error'`: it means the subscription is wider than the routing,
   * a configuration bug that should dead-letter loudly rather than drop data quietly.
   */
  unknownTopic?: 'error' | 'skip';
}

/** Resolves a topic to its route; `undefined` means "unknown, skip" (only with `unknownTopic: 'skip'`). */
export type TopicRouter = (topic: string) => TopicRoute | undefined;

/** Builds a router; results are cached per topic since a consumer sees few distinct topics. */
export function createTopicRouter(options: RoutingOptions): TopicRouter {
  const cache = new Map<string, TopicRoute | undefined>();
  return (topic) => {
    if (cache.has(topic)) return cache.get(topic);
    const route = resolve(options, topic);
    if (route === undefined && (options.unknownTopic ?? 'error') === 'error') {
      throw new DecodeError('EB_DECODE_UNKNOWN_TOPIC', `no route for topic "${topic}"`);
    }
    cache.set(topic, route);
    return route;
  };
}

function resolve(options: RoutingOptions, topic: string): TopicRoute | undefined {
  const override = options.overrides?.[topic];
  if (override !== undefined) return override;
  const clickhouse = options.clickhouse?.[topic];
  if (clickhouse !== undefined) return { kind: 'clickhouse', ...clickhouse };
  const debezium = options.debezium;
  if (debezium === undefined) return undefined;
  const prefix = debezium.topicPrefix;
  if (topic === `${debezium.heartbeatTopicPrefix ?? '__debezium-heartbeat'}.${prefix}`)
    return { kind: 'heartbeat' };
  if (!topic.startsWith(`${prefix}.`)) return undefined;
  const rest = topic.slice(prefix.length + 1);
  if (rest === (debezium.transactionTopicSuffix ?? 'transaction')) return { kind: 'transaction' };
  const dot = rest.indexOf('.');
  // `<prefix>.message` (logical decoding messages) and other one-part names are not table topics.
  if (dot <= 0 || dot === rest.length - 1) return { kind: 'ignore' };
  // Split at the first dot: Postgres schema names rarely hold dots, table names occasionally do.
  return { kind: 'debezium', schema: rest.slice(0, dot), table: rest.slice(dot + 1) };
}
