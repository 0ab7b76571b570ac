// A bench's opening in one call: the stack's Kafka, a fresh source topic (filled or not), Redis and a
// ClickHouse, with one close() for all of them. Built on bench-kit.ts.

import type { ClickHouseClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import { openClickHouse } from '../src/sinks/clickhouse/client.js';
import { produceAll, type SyntheticReactions } from '../test/synthetic-reactions.js';
import {
  type BenchContext,
  benchReactions,
  createSourceTopic,
  deleteTopics,
  openBench,
  openPrivateClickHouse,
  PARTITIONS,
} from './bench-kit.js';

export interface BenchSinks {
  redis: Redis;
  clickhouse: ClickHouseClient;
  /** Which ClickHouse the bench writes to, for its report. */
  clickhouseLabel: string;
}

/**
 * The stack's Redis and a ClickHouse: embedded chDB in a fresh temp directory in this process, or with
 * `server` the stack's ClickHouse server over HTTP (CLICKHOUSE_URL), as a production host would use it.
 */
export async function openBenchSinks(
  ctx: BenchContext,
  name: string,
  options: { server?: boolean } = {},
): Promise<BenchSinks> {
  const redis = new Redis(ctx.env.REDIS_URL!);
  if (options.server) {
    const clickhouse = await openClickHouse({ url: ctx.env.CLICKHOUSE_URL! });
    return { redis, clickhouse, clickhouseLabel: `server ${ctx.env.CLICKHOUSE_URL}` };
  }
  const clickhouse = await openPrivateClickHouse(name);
  return { redis, clickhouse, clickhouseLabel: 'embedded chDB (temp dir)' };
}

/** A bench on one source topic: the context, the topic, the sinks, and close() for all of them. */
export interface BenchRun extends BenchSinks {
  ctx: BenchContext;
  /** `bench.<name>-<run>`, created with PARTITIONS partitions. */
  topic: string;
  /** Deletes the topic and disconnects Kafka, Redis and ClickHouse. */
  close(): Promise<void>;
}

/** A bench's opening: the stack's Kafka, a fresh source topic named after the bench, Redis and ClickHouse. */
export async function openBenchRun(name: string, options: { server?: boolean } = {}): Promise<BenchRun> {
  const ctx = await openBench();
  const topic = `bench.${name}-${ctx.run}`;
  await createSourceTopic(ctx, topic);
  const sinks = await openBenchSinks(ctx, name, options);
  const close = async () => {
    await deleteTopics(ctx, [topic]);
    await ctx.admin.disconnect();
    sinks.redis.disconnect();
    await sinks.clickhouse.close();
  };
  return { ctx, topic, ...sinks, close };
}

/** openBenchRun with the topic filled with benchReactions(creates) before anything consumes it. */
export async function openFilledRun(
  name: string,
  creates: number,
  options: { server?: boolean } = {},
): Promise<BenchRun & { data: SyntheticReactions; total: number }> {
  const bench = await openBenchRun(name, options);
  const data = benchReactions(creates);
  const total = data.messages.length;
  const t0 = performance.now();
  await produceAll(bench.ctx.kafka, bench.topic, data.messages);
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`produced ${total} changes to ${bench.topic} (${PARTITIONS} partitions) in ${seconds} s`);
  return { ...bench, data, total };
}
