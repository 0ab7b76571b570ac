// The host's recomputer for a test pipeline: what a host started with the same settings runs next to its
// pipeline (recompute on touch), on the run's cache scope, group and topics.
import type { ClickHouseClient } from '@clickhouse/client';
import { type RedisClient, RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import type { PluginDefinition } from '@engagement/plugin-api';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { Recomputer } from '../../src/recompute/recomputer.js';
import { resolveSlot } from '../../src/reconcile/catch-up.js';

export interface RunRecomputer {
  recomputer: Recomputer;
  queue: RedisTouchQueue;
  close(): Promise<void>;
}

/** Starts the recomputer of run `run` (cache scope `run`); settle 3 s and 500 ms passes unless given. */
export async function startRunRecomputer(options: {
  env: Record<string, string>;
  run: string;
  plugins: readonly PluginDefinition[];
  kafka: Kafka;
  clickhouse: ClickHouseClient;
  redis: RedisClient;
  groupId: string;
  topics: readonly string[];
  metricTopic: string;
  settleMs?: number;
}): Promise<RunRecomputer> {
  const postgres = new pg.Pool({ connectionString: options.env.POSTGRES_URL, max: 2 });
  const admin = options.kafka.admin();
  const producer = options.kafka.producer({ idempotent: true });
  await Promise.all([admin.connect(), producer.connect()]);
  const watermarkKey = `eventbus:cache:watermarks:${options.run}`;
  const queue = new RedisTouchQueue(options.redis, options.run);
  const recomputer = new Recomputer({
    plugins: options.plugins,
    postgres,
    clickhouse: options.clickhouse,
    redis: options.redis,
    admin,
    producer,
    groupId: options.groupId,
    metricTopic: options.metricTopic,
    watermarkKey,
    slot: await resolveSlot(postgres, options.env.DEBEZIUM_SLOT),
    queue,
    scopeKey: watermarkKey,
    sourceTopics: async () => options.topics,
    settleMs: options.settleMs ?? 3_000,
    intervalMs: 500,
    waitMs: 60_000,
  });
  recomputer.start();
  return {
    recomputer,
    queue,
    async close() {
      await recomputer.stop(60_000);
      await Promise.allSettled([admin.disconnect(), producer.disconnect(), postgres.end()]);
    },
  };
}
