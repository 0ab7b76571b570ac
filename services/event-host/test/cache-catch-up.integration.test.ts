// The recomputer's wait for the cache (`waitForCacheCatchUp`) against a real Kafka and Redis: it returns once
// the watermark hash holds, for every partition of the metric topic that has records, a position at or past
// the end read when it started; a partition the cache is behind on keeps it waiting until its timeout; a
// partition it holds no position of (it never applied it) is not waited for; a long wait reports what it waits for.
import { ensureTopics } from '@engagement/event-bus/kafka';
import {
  cacheWatermarkKey,
  defaultCacheKeys,
  nextOffsetField,
  shardWatermarkKey,
} from '@engagement/event-bus/sinks/redis';
import { Redis } from 'ioredis';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitForCacheCatchUp } from '../src/reconcile/catch-up.js';

const env = inject('stackEnv');
const topic = `cache-catch-up-${Date.now().toString(36)}`;
const watermarkKey = cacheWatermarkKey(topic);
const shards = Array.from({ length: defaultCacheKeys.shards }, (_, k) => shardWatermarkKey(watermarkKey, k));
/** Stores a partition's position in every shard, as each batch the sink applies does. */
const setPosition = (partition: number, offset: string) =>
  Promise.all(shards.map((k) => redis.hset(k, nextOffsetField(topic, partition), offset)));
let redis: Redis;
let admin: Admin;
let producer: Producer;

beforeAll(async () => {
  redis = new Redis(env.REDIS_URL!, { db: 11 });
  const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  producer = kafka.producer({ idempotent: true });
  await Promise.all([admin.connect(), producer.connect()]);
  await ensureTopics(admin, [topic], { numPartitions: 3 });
  // Three records in partition 0, two in partition 1, none in partition 2.
  const to = (partition: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({ partition, value: `${partition}-${i}` }));
  await producer.send({ topic, messages: [...to(0, 3), ...to(1, 2)] });
}, 60_000);

afterAll(async () => {
  await redis?.del(...shards);
  redis?.disconnect();
  await Promise.all([admin?.disconnect(), producer?.disconnect()]);
});

const wait = (timeoutMs: number) =>
  waitForCacheCatchUp({ redis, watermarkKey, admin, metricTopic: topic, timeoutMs, pollMs: 50 });

describe('waiting for the cache to apply the metric topic', () => {
  it('has nothing to wait for when no cache applies the topic in this scope', async () => {
    await redis.del(...shards);
    expect(await wait(0)).toMatchObject({ caughtUp: true });
  });

  it('waits for every partition with records, and returns once the cache has applied them', async () => {
    // Partition 1 was never applied by this cache: nothing of it to overtake, not waited for.
    await setPosition(0, '3');
    expect(await wait(0)).toMatchObject({ caughtUp: true });

    await setPosition(1, '1');
    const behind = await wait(300);
    expect(behind).toMatchObject({ caughtUp: false });
    expect(behind.caughtUp === false && behind.waitingFor).toBe(`the cache: ${topic}:1 at 1 < 2`);

    // A long wait says what it waits for as it goes (the reconcile command prints it).
    const reports: [string, number][] = [];
    await waitForCacheCatchUp({
      redis,
      watermarkKey,
      admin,
      metricTopic: topic,
      timeoutMs: 450,
      pollMs: 20,
      reportEveryMs: 100,
      onWaiting: (what, ms) => reports.push([what, ms]),
    });
    expect(reports.length).toBeGreaterThanOrEqual(3);
    expect(reports.length).toBeLessThanOrEqual(5);
    expect(reports.every(([what]) => what === `the cache: ${topic}:1 at 1 < 2`)).toBe(true);
    expect(reports[0]![1]).toBeGreaterThanOrEqual(100);

    const applied = setTimeout(() => void setPosition(1, '2'), 400);
    const caughtUp = await wait(10_000);
    clearTimeout(applied);
    expect(caughtUp.caughtUp).toBe(true);
    expect(caughtUp.waitedMs).toBeGreaterThanOrEqual(300);
  });
});
