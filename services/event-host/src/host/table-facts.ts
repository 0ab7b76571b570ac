import type { PluginDefinition } from '@engagement/plugin-api';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import type { HostConfig } from '../config/host-config.js';
import { answerWithin } from '../http/readiness.js';
import {
  declaredTablesOf,
  judgeDeclaredTables,
  type TableFacts,
  type TableFinding,
} from './declared-tables.js';

/** What could not be read while gathering table facts (the check then decides on what is known). */
export interface TableFactsResult {
  facts: TableFacts;
  /** Source → why it was not read (`not configured`, or the error). */
  unknown: { postgres?: string; kafka?: string };
  /** Postgres's `TimeZone` setting for this host's connections, when read. */
  postgresTimeZone?: string;
}

/** UTC by its usual names. */
const UTC_ZONES = new Set(
  ['UTC', 'UCT', 'GMT', 'GMT0', 'Universal', 'Zulu', 'Greenwich'].flatMap((z) => [z, `Etc/${z}`]),
);

/**
 * Why Postgres's `TimeZone` is a problem, or undefined when it is UTC (or unknown). Metric events are dated
 * by the rows' `createdAt`, read as UTC (the columns are `timestamp without time zone`) by the stream and by
 * the truths alike: rows written in another zone's local time (`now()` defaults) shift every window by the
 * zone's offset, and reconcile cannot see it.
 */
export function timeZoneWarning(zone: string | undefined): string | undefined {
  if (zone === undefined || UTC_ZONES.has(zone)) return undefined;
  return (
    `Postgres TimeZone is ${zone}, not UTC: createdAt columns are read as UTC, so rows written in local time ` +
    '(now() defaults) count in windows shifted by the offset, and reconcile cannot see it (docs/operations.md)'
  );
}

/**
 * Reads the tables of the configured Postgres schema (information_schema, when `postgres.url` is set) and
 * which of the declared tables' Debezium topics exist and ever held a record. Each source is bounded by
 * `timeoutMs`; one that fails is reported as unknown instead of failing boot (a dependency that is down is
 * a readiness matter, not a configuration error).
 */
export async function gatherTableFacts(
  config: Pick<HostConfig, 'postgres' | 'kafka' | 'debezium' | 'sources'>,
  topicsOfInterest: readonly string[],
  { timeoutMs = 5_000 } = {},
): Promise<TableFactsResult> {
  const clickhouseTables = new Set(Object.values(config.sources.clickhouseTopics).map((r) => r.table));
  const unknown: TableFactsResult['unknown'] = {};
  if (!config.postgres.url) unknown.postgres = 'EVENT_HOST_POSTGRES_URL not set';
  const schema = config.debezium.schema;
  const [postgres, topics] = await Promise.all([
    config.postgres.url
      ? answerWithin(postgresFactsOf(config.postgres.url, schema, timeoutMs), timeoutMs).catch(
          (err: Error) => {
            unknown.postgres = err.message;
            return undefined;
          },
        )
      : undefined,
    answerWithin(topicsOf(config.kafka, topicsOfInterest, timeoutMs), timeoutMs).catch((err: Error) => {
      unknown.kafka = err.message;
      return undefined;
    }),
  ]);
  return {
    facts: { postgresTables: postgres?.tables, topics, clickhouseTables },
    unknown,
    ...(postgres ? { postgresTimeZone: postgres.timeZone } : {}),
  };
}

async function postgresFactsOf(
  url: string,
  schema: string,
  timeoutMs: number,
): Promise<{ tables: Set<string>; timeZone: string }> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    const zone = await client.query<{ TimeZone: string }>('SHOW TimeZone');
    return { tables: new Set(rows.map((r) => r.table_name)), timeZone: zone.rows[0]!.TimeZone };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Every topic → false; the topics of interest that exist → whether any partition's end offset is past 0. */
async function topicsOf(
  kafka: HostConfig['kafka'],
  ofInterest: readonly string[],
  timeoutMs: number,
): Promise<Map<string, boolean>> {
  const admin = new Kafka({
    clientId: `${kafka.clientId}-check`,
    brokers: kafka.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeoutMs, 3_000),
    retry: { retries: 1 },
  }).admin();
  try {
    await admin.connect();
    const names = await admin.listTopics();
    const topics = new Map(names.map((t) => [t, false]));
    for (const topic of ofInterest) {
      if (!topics.has(topic)) continue;
      const offsets = await admin.fetchTopicOffsets(topic);
      topics.set(
        topic,
        offsets.some((o) => Number(o.high) > 0),
      );
    }
    return topics;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The declared-table check of boot and `config check`: gathers the facts, then judges every declared table. */
export async function checkDeclaredTables(
  config: Pick<HostConfig, 'postgres' | 'kafka' | 'debezium' | 'sources'>,
  plugins: readonly PluginDefinition[],
  options: { timeoutMs?: number } = {},
): Promise<{ findings: TableFinding[]; unknown: TableFactsResult['unknown']; postgresTimeZone?: string }> {
  const declared = declaredTablesOf(plugins);
  if (declared.length === 0) return { findings: [], unknown: {} };
  const { topicPrefix, schema } = config.debezium;
  const topics = [...new Set(declared.map((d) => `${topicPrefix}.${schema}.${d.table}`))];
  const { facts, unknown, postgresTimeZone } = await gatherTableFacts(config, topics, options);
  return {
    findings: judgeDeclaredTables(declared, facts, config.debezium),
    unknown,
    ...(postgresTimeZone === undefined ? {} : { postgresTimeZone }),
  };
}
