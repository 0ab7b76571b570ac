// Shared setup for the benches in this folder: the stack's Kafka and Redis, a private chDB directory per
// process (or the stack's ClickHouse server), unique topic and group names per run, the one synthetic data
// set, and the pipeline wired the way bench/throughput.ts wires it (sample plugin, Debezium ImageReaction
// topic). Benches open with bench-run.ts. Not a bench itself.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { readStackEnv } from '../../../infra/stack/env.js';
import type { DecoderOptions } from '../src/events/decode.js';
import { createEventPipeline, type EventPipeline } from '../src/kafka/create-pipeline.js';
import { ensureTopics } from '../src/kafka/topics.js';
import { openClickHouse } from '../src/sinks/clickhouse/client.js';
import type { CacheKeyScheme } from '../src/sinks/redis/cache-keys.js';
import { samplePlugin } from '../test/sample-plugin.js';
import { groupLag, type SyntheticReactions, syntheticReactions } from '../test/synthetic-reactions.js';

export const PARTITIONS = 3;

export interface BenchContext {
  env: Record<string, string>;
  brokers: string[];
  kafka: Kafka;
  admin: Admin;
  /** Unique per process: every topic, group and cache scope of the run carries it. */
  run: string;
}

export async function openBench(): Promise<BenchContext> {
  const env = readStackEnv();
  const brokers = env.KAFKA_BROKERS!.split(',');
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  return { env, brokers, kafka, admin, run };
}

/** One chDB engine per process: each bench process opens its own fresh directory. */
export function openPrivateClickHouse(name: string): Promise<ClickHouseClient> {
  return openClickHouse({ path: mkdtempSync(join(tmpdir(), `eb-${name}-`)) });
}

/**
 * Creates a source topic. `logAppendTime` makes the broker stamp every record with the time it appended it
 * (instead of the producer's clock), and the produce response then carries that time.
 */
export async function createSourceTopic(
  ctx: BenchContext,
  topic: string,
  options: { logAppendTime?: boolean } = {},
): Promise<void> {
  // On a loaded machine the new partitions can take longer to get leaders than kafkajs waits for them
  // (UNKNOWN_TOPIC_OR_PARTITION, retriable): try again, the topic being created already changes nothing.
  for (let attempt = 1; ; attempt++) {
    try {
      if (options.logAppendTime) {
        await ctx.admin.createTopics({
          topics: [
            {
              topic,
              numPartitions: PARTITIONS,
              configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
            },
          ],
        });
      }
      // Creates it if the branch above did not, and waits until every partition has a leader either way.
      await ensureTopics(ctx.admin, [topic], { numPartitions: PARTITIONS });
      return;
    } catch (error) {
      if (attempt >= 5 || !(error as { retriable?: boolean }).retriable) throw error;
      await sleep(2_000);
    }
  }
}

/** The benches' data set: `creates` ImageReaction creates on 1,000 images by 500 users, a delete per 10 creates. */
export function benchReactions(creates: number, firstLsn?: number): SyntheticReactions & { nextLsn: number } {
  return syntheticReactions({
    creates,
    deleteEvery: 10,
    images: 1_000,
    users: 500,
    partitions: PARTITIONS,
    firstLsn,
  });
}

/** The decoder settings of every bench: `topic` carries Debezium ImageReaction changes. */
export function benchDecodeOptions(topic: string): DecoderOptions {
  return {
    debezium: { topicPrefix: 'app' },
    overrides: { [topic]: { kind: 'debezium', schema: 'public', table: 'ImageReaction' } },
  };
}

export interface BenchPipeline {
  pipeline: EventPipeline;
  groupId: string;
  metricTopic: string;
  deadLetterTopic: string;
  /** Closes the pipeline and deletes its metric and dead-letter topics. */
  stop(): Promise<void>;
}

/** The benches' pipeline on one source topic: the sample plugin, in-process or on `workerThreads` threads. */
export async function startPipeline(
  ctx: BenchContext,
  options: {
    topic: string;
    name: string;
    clickhouse: ClickHouseClient;
    redis: Redis;
    flushIntervalMs: number;
    flushRows?: number;
    workerThreads?: number;
    /** Records per hop to the processor (the pipeline's `chunkSize`). */
    chunkSize?: number;
    /** The cache's key scheme (default 16 shards). */
    cacheKeys?: CacheKeyScheme;
    /**
     * Let pool threads apply large metric batches with connections of their own (default true; false, or
     * BENCH_POOL_APPLY=0, keeps every apply on `redis`, as before 2026-12-04).
     */
    poolApply?: boolean;
  },
): Promise<BenchPipeline> {
  const { topic, name } = options;
  const groupId = `bench-${name}-${ctx.run}`;
  const metricTopic = `bench.metrics-${name}-${ctx.run}`;
  const deadLetterTopic = `bench.dlq-${name}-${ctx.run}`;
  const pipeline = await createEventPipeline({
    brokers: ctx.brokers,
    groupId,
    plugins: [samplePlugin],
    decode: benchDecodeOptions(topic),
    workerThreads: options.workerThreads ?? 0,
    // The sample plugin, with each pool thread announcing its id for per-thread CPU (worker-probe.ts).
    pluginModules: [new URL('./worker-probe.ts', import.meta.url).href],
    sourceTopics: [topic],
    metricTopic,
    deadLetterTopic,
    clickhouse: options.clickhouse,
    redis: options.redis,
    ...(options.poolApply === false || process.env.BENCH_POOL_APPLY === '0'
      ? {}
      : { redisConnection: { url: ctx.env.REDIS_URL! } }),
    cacheScope: `${name}-${ctx.run}`,
    flushRows: options.flushRows ?? 20_000,
    flushIntervalMs: options.flushIntervalMs,
    ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
    ...(options.cacheKeys ? { cacheKeys: options.cacheKeys } : {}),
  });
  await pipeline.start();
  const stop = async () => {
    await pipeline.close();
    await deleteTopics(ctx, [metricTopic, deadLetterTopic]);
  };
  return { pipeline, groupId, metricTopic, deadLetterTopic, stop };
}

/**
 * Waits until the pipeline consumed `changes` source records and its group committed everything on the
 * source and metric topics (so every metric event reached Redis). Resolves with performance.now() then.
 */
export async function untilCaughtUp(
  ctx: BenchContext,
  bp: { pipeline: { stats: { consumed: number } }; groupId: string; metricTopic: string },
  topic: string,
  changes: number,
  pollMs = 100,
): Promise<number> {
  for (;;) {
    if (bp.pipeline.stats.consumed >= changes) {
      const lag = await groupLag(ctx.admin, bp.groupId, [topic, bp.metricTopic]);
      if (lag.caughtUp) return performance.now();
    }
    await sleep(pollMs);
  }
}

/**
 * untilCaughtUp, timed: changes per second from the pipeline's first consumed record (polled every 5 ms)
 * until its group committed everything.
 */
export async function catchUpRate(
  ctx: BenchContext,
  bp: { pipeline: { stats: { consumed: number } }; groupId: string; metricTopic: string },
  topic: string,
  total: number,
): Promise<number> {
  const called = performance.now();
  let first = 0;
  const watch = setInterval(() => {
    if (first === 0 && bp.pipeline.stats.consumed > 0) first = performance.now();
  }, 5);
  const ended = await untilCaughtUp(ctx, bp, topic, total);
  clearInterval(watch);
  return total / ((ended - (first || called)) / 1000);
}

export async function deleteTopics(ctx: BenchContext, topics: string[]): Promise<void> {
  await ctx.admin.deleteTopics({ topics }).catch(() => undefined);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** CPU seconds the Redis server has used so far (user + system, from `INFO cpu`). */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const value = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)![1]);
  return value('used_cpu_user') + value('used_cpu_sys');
}

/** Value of `--name <value>` on the command line, or undefined. */
export function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** The first positional argument as a count, or `fallback`. */
export function countArg(fallback: number): number {
  const first = process.argv[2];
  return first && !first.startsWith('--') ? Number(first) : fallback;
}
