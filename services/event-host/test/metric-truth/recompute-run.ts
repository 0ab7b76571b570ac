// The host's recomputer for a test pipeline: what a host started with the same settings runs next to its
// pipeline (recompute on touch), on the run's cache scope, group and topics.
import type { ClickHouseClient } from '@clickhouse/client';
import { cacheWatermarkKey, type RedisClient, RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import { plugins } from '@engagement/metric-listeners';
import type { Kafka } from 'kafkajs';
import pg from 'pg';
import { Recomputer } from '../../src/recompute/recomputer.js';
import { resolveSlot } from '../../src/reconcile/catch-up.js';

export interface RunRecomputer {
  recomputer: Recomputer;
  queue: RedisTouchQueue;
  close(): Promise<void>;
}

/**
 * Starts the recomputer of run `run` for every plugin: cache scope `run`, group `<run>-pipeline` and metric
 * topic `<run>.metric-events` (as startRunEventPipeline names them); settle 3 s, a max wait of 6 s (an entity
 * touched more often than every 3 s is recomputed every 6 s) and 500 ms passes unless given.
 */
export async function startRunRecomputer(
  env: Record<string, string>,
  run: string,
  parts: {
    kafka: Kafka;
    clickhouse: ClickHouseClient;
    redis: RedisClient;
    topics: readonly string[];
    settleMs?: number;
    maxWaitMs?: number;
  },
): Promise<RunRecomputer> {
  const postgres = new pg.Pool({ connectionString: env.POSTGRES_URL, max: 2 });
  const admin = parts.kafka.admin();
  const producer = parts.kafka.producer({ idempotent: true });
  await Promise.all([admin.connect(), producer.connect()]);
  const watermarkKey = cacheWatermarkKey(run);
  const queue = new RedisTouchQueue(parts.redis, run);
  const recomputer = new Recomputer({
    plugins,
    postgres,
    clickhouse: parts.clickhouse,
    redis: parts.redis,
    admin,
    producer,
    groupId: `${run}-pipeline`,
    metricTopic: `${run}.metric-events`,
    watermarkKey,
    slot: await resolveSlot(postgres, env.DEBEZIUM_SLOT),
    queue,
    scopeKey: watermarkKey,
    sourceTopics: async () => parts.topics,
    settleMs: parts.settleMs ?? 3_000,
    maxWaitMs: parts.maxWaitMs ?? 6_000,
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
