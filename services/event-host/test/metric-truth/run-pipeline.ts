// The end-to-end tests' pipeline: every plugin of @engagement/metric-listeners on the local stack's Debezium
// topics and a run's own ClickHouse source topics, a fresh embedded ClickHouse, a Redis database of its own
// (or the stack's Redis Cluster, opened as the host opens it),
// starting at the end of the shared topics (their history belongs to other runs), and the host's recomputer
// next to it (recompute on touch), as a host runs them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { createAppDb } from '@engagement/app-db';
import {
  ClickHouseRowPublisher,
  clickhouseSourceDdl,
  clickhouseSourceRoutes,
  clickhouseSourceTables,
  clickhouseSourceTopic,
} from '@engagement/app-db/clickhouse';
import { createDecoder } from '@engagement/event-bus';
import { createEventPipeline, type EventPipeline } from '@engagement/event-bus/kafka';
import { ensureMetricEventTable, openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import type { RedisClient } from '@engagement/event-bus/sinks/redis';
import { startGroupAtEnd } from '@engagement/event-bus/testing';
import { plugins } from '@engagement/metric-listeners';
import { appDbToken } from '@engagement/plugin-api';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { openRedis } from '../../src/host/open-redis.js';
import { type RunRecomputer, startRunRecomputer } from './recompute-run.js';

export interface RunPipeline {
  db: pg.Client;
  clickhouse: ClickHouseClient;
  redis: RedisClient;
  kafka: Kafka;
  publisher: ClickHouseRowPublisher;
  pipeline: EventPipeline;
  /** Absent when started with `recompute: false`. */
  recompute?: RunRecomputer;
  groupId: string;
  /** The source topics (Debezium, then the run's ClickHouse row topics) and the metric topic. */
  topics: string[];
  metricTopic: string;
  close(): Promise<void>;
}

/** The Redis deployments a run goes on: the stack's single node and its three-master Cluster. */
export const REDIS_KINDS = ['single', 'cluster'] as const;
export type RedisKind = (typeof REDIS_KINDS)[number];

/**
 * Builds and starts the pipeline of run `run` (topics and keys named after it). `onStep` marks set-up
 * steps for timings. `redisDb` is the single Redis's database, or `'cluster'` for the stack's Redis Cluster
 * (which has only database 0: the run's entities and cache scope keep it apart from other runs).
 */
export async function startRunPipeline(
  env: Record<string, string>,
  run: string,
  options: { redisDb: number | 'cluster'; onStep?(name: string): void; recompute?: boolean },
): Promise<RunPipeline> {
  const chPath = mkdtempSync(join(tmpdir(), `${run}-ch-`));
  const db = new pg.Client({ connectionString: env.POSTGRES_URL });
  await db.connect();
  const clickhouse = await openClickHouse({ path: chPath });
  await ensureMetricEventTable(clickhouse);
  for (const statement of clickhouseSourceDdl()) await clickhouse.command({ query: statement });
  const redis =
    options.redisDb === 'cluster'
      ? await connected(openRedis({ redis: { clusterNodes: clusterNodes(env) } }))
      : new Redis(env.REDIS_URL!, { db: options.redisDb });
  const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const producer: Producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const publisher = new ClickHouseRowPublisher({ clickhouse, producer, topicPrefix: `${run}.ch` });
  const appDb = createAppDb({ url: env.POSTGRES_URL! });

  const topics = runSourceTopics(env, run);
  const groupId = `${run}-pipeline`;
  const metricTopic = `${run}.metric-events`;

  await startGroupAtEnd(kafka, groupId, topics);
  options.onStep?.('setupOffsets');

  const pipeline = await startRunEventPipeline(env, run, { topics, clickhouse, redis, appDb });
  options.onStep?.('setupPipelineStarted');
  const recompute =
    options.recompute === false
      ? undefined
      : await startRunRecomputer(env, run, { kafka, clickhouse, redis, topics });

  return {
    db,
    clickhouse,
    redis,
    kafka,
    publisher,
    pipeline,
    recompute,
    groupId,
    topics,
    metricTopic,
    async close() {
      await recompute?.close();
      await pipeline.close();
      await producer.disconnect();
      await appDb.$disconnect();
      redis.disconnect();
      await db.end();
      await clickhouse.close();
      rmSync(chPath, { recursive: true, force: true });
    },
  };
}

/**
 * The source topics of run `run`: Debezium's (the stack's topic prefix) for every table a listener reads
 * that is not a ClickHouse source, then the run's own ClickHouse source row topics.
 */
export function runSourceTopics(env: Record<string, string>, run: string): string[] {
  const prefix = env.DEBEZIUM_TOPIC_PREFIX ?? 'app';
  const tables = [...new Set(plugins.flatMap((p) => p.listeners.flatMap((l) => l.tables ?? [])))];
  return [
    ...tables
      .filter((t) => !clickhouseSourceTables.some((c) => c.table === t))
      .map((t) => `${prefix}.public.${t}`),
    ...clickhouseSourceTables.map((t) => clickhouseSourceTopic(t, `${run}.ch`)),
  ];
}

/**
 * Builds run `run`'s pipeline with every plugin over `topics` (group `<run>-pipeline`, the run's metric and
 * dead-letter topics, cache scope `run`, 300 ms flushes) and starts it.
 */
export async function startRunEventPipeline(
  env: Record<string, string>,
  run: string,
  parts: {
    topics: string[];
    clickhouse: ClickHouseClient;
    redis: RedisClient;
    appDb: ReturnType<typeof createAppDb>;
    logger?: Parameters<typeof createEventPipeline>[0]['logger'];
  },
): Promise<EventPipeline> {
  const pipeline = await createEventPipeline({
    brokers: env.KAFKA_BROKERS!.split(','),
    groupId: `${run}-pipeline`,
    plugins,
    provisions: [{ token: appDbToken(), value: parts.appDb }],
    decode: createDecoder({
      debezium: { topicPrefix: env.DEBEZIUM_TOPIC_PREFIX ?? 'app' },
      clickhouse: clickhouseSourceRoutes(`${run}.ch`),
    }),
    sourceTopics: parts.topics,
    metricTopic: `${run}.metric-events`,
    deadLetterTopic: `${run}.dead-letters`,
    clickhouse: parts.clickhouse,
    redis: parts.redis,
    cacheScope: run,
    flushIntervalMs: 300,
    logger: parts.logger,
  });
  await pipeline.start();
  return pipeline;
}

/** The stack's Redis Cluster seed nodes; the stack starts one unless told not to. */
function clusterNodes(env: Record<string, string>): string[] {
  if (!env.REDIS_CLUSTER_NODES)
    throw new Error('the stack started no Redis Cluster (REDIS_CLUSTER_NODES unset)');
  return env.REDIS_CLUSTER_NODES.split(',');
}

async function connected(redis: RedisClient): Promise<RedisClient> {
  await redis.connect();
  return redis;
}
