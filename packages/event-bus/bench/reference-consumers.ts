// The consumers the pipeline is measured against: bare kafkajs consume-and-discard (optionally with a
// JSON.parse of each value) and the naive per-message consumer. Each marks CPU at its first record and at
// its last, so rates and CPU costs cover the same window. Not a bench itself.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import { metricEventTableDdl, toClickHouseTime } from '../src/sinks/clickhouse/index.js';
import { defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import type { BenchContext } from './bench-kit.js';
import { type CpuMark, cpuMark } from './cpu-meter.js';

export interface ConsumedWindow {
  /** Changes inside the window from `from` to `to`. */
  changes: number;
  from: CpuMark;
  to: CpuMark;
}

/**
 * A kafkajs eachBatch loop with no commits that drops every record (or, with `parse`, JSON-parses its
 * value first) until `total` records were seen. The window runs from the first batch to the last.
 */
export async function consumeAndDiscard(
  ctx: BenchContext,
  options: { topic: string; total: number; groupId: string; parse?: boolean },
): Promise<ConsumedWindow> {
  const consumer = ctx.kafka.consumer({ groupId: options.groupId });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  let seen = 0;
  let parsedKeys = 0;
  let from: CpuMark | undefined;
  const done = new Promise<CpuMark>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        from ??= cpuMark();
        if (options.parse) {
          for (const m of batch.messages) {
            if (m.value) parsedKeys += Object.keys(JSON.parse(m.value.toString()) as object).length;
          }
        }
        seen += batch.messages.length;
        if (seen >= options.total) resolve(cpuMark());
      },
    });
  });
  const to = await done;
  await consumer.disconnect();
  if (options.parse && parsedKeys === 0) throw new Error('parsed nothing');
  return { changes: options.total, from: from!, to };
}

/**
 * The naive per-message consumer: a kafkajs eachMessage loop (one partition at a time, the default) that,
 * per change, parses the Debezium JSON, awaits one HINCRBY on the image's hash and awaits one single-row
 * insert into a ClickHouse table shaped like entityMetricEvents. It stops counting after `limit` changes.
 * The rate counts limit - 1 intervals (`changes` is limit - 1).
 */
export async function runNaiveConsumer(
  ctx: BenchContext,
  options: {
    topic: string;
    limit: number;
    groupId: string;
    redis: Redis;
    clickhouse: ClickHouseClient;
    table?: string;
  },
): Promise<ConsumedWindow> {
  const { topic, limit, redis, clickhouse } = options;
  const table = options.table ?? 'naiveMetricEvents';
  await clickhouse.command({ query: metricEventTableDdl(table) });
  const consumer = ctx.kafka.consumer({ groupId: options.groupId });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done = 0;
  let from: CpuMark | undefined;
  let finish: (at: CpuMark) => void = () => undefined;
  const finished = new Promise<CpuMark>((resolve) => {
    finish = resolve;
  });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (done >= limit) return;
      from ??= cpuMark();
      const change = JSON.parse(message.value!.toString()) as {
        op: 'c' | 'd';
        before: { imageId: number; userId: number; reaction: string } | null;
        after: { imageId: number; userId: number; reaction: string } | null;
        ts_ms: number;
      };
      const row = (change.op === 'd' ? change.before : change.after)!;
      const sign = change.op === 'd' ? -1 : 1;
      const metricType = `${row.reaction.toLowerCase()}Count`;
      await redis.hincrby(defaultCacheKeys.key('Image', row.imageId), metricType, sign);
      await clickhouse.insert({
        table,
        format: 'JSONEachRow',
        values: [
          {
            eventId: `${topic}:${partition}:${message.offset}`,
            entityType: 'Image',
            entityId: row.imageId,
            userId: row.userId,
            metricType,
            metricValue: sign,
            createdAt: toClickHouseTime(new Date(change.ts_ms)),
            origin: `${topic}:${partition}`,
            originSeq: Number(message.offset) * 1_000,
          },
        ],
      });
      if (++done === limit) finish(cpuMark());
    },
  });
  const to = await finished;
  await consumer.disconnect();
  // The first change's own time is not in the window, so the rate counts limit - 1 intervals.
  return { changes: limit - 1, from: from!, to };
}
