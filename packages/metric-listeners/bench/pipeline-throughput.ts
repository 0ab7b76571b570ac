// Events/s of the full listener set on the local stack: realistic traffic (every source table, ClickHouse
// rows too) produced to run-unique Kafka topics, consumed by the real pipeline (decode → every plugin of
// this package → chDB insert → metric topic → Redis) until the group has committed everything; a bare
// kafkajs consume-and-discard loop over the same topics runs first for reference. Lookups are in memory
// (their Postgres cost is measured by test/lookup-queries.integration.test.ts), so this is the listener
// and pipeline cost. Run with the stack up:
//   npx tsx --conditions=source packages/metric-listeners/bench/pipeline-throughput.ts [changes]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clickhouseSourceRoutes } from '@engagement/app-db/clickhouse';
import { createDecoder } from '@engagement/event-bus';
import { createEventPipeline, ensureTopics, fetchHostGroupOffsets } from '@engagement/event-bus/kafka';
import { ensureMetricEventTable, openClickHouse } from '@engagement/event-bus/sinks/clickhouse';
import { Redis } from 'ioredis';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { readStackEnv } from '../../../infra/stack/env.js';
import { realisticTraffic } from '../src/__fixtures__/realistic-traffic.js';
import { trafficLookups } from '../src/__fixtures__/traffic-lookups.js';
import { syntheticWorld } from '../src/__fixtures__/traffic-world.js';
import { plugins } from '../src/index.js';

const changes = Number(process.argv[2] ?? 30_000);
const env = readStackEnv();
const run = Date.now().toString(36);
const prefix = `lbench${run}`;
const chRoutes = clickhouseSourceRoutes(`${prefix}ch`);
const chTopicOf = Object.fromEntries(Object.entries(chRoutes).map(([topic, r]) => [r.table, topic]));
const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();

// The traffic, moved to this run's topics (Debezium records keep their payload; ClickHouse rows too).
const world = syntheticWorld();
const traffic = realisticTraffic(world, changes, 3);
const byTopic = new Map<string, { key: Buffer | null; value: Buffer | null }[]>();
for (const c of traffic) {
  const e = c.event;
  const topic = e.source === 'clickhouse' ? chTopicOf[e.table]! : `${prefix}.public.${e.table}`;
  byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key: c.record.key, value: c.record.value }]);
}
const topics = [...byTopic.keys()];
const metricTopic = `${prefix}.metrics`;
const dlq = `${prefix}.dlq`;
await ensureTopics(admin, [...topics, metricTopic, dlq], { numPartitions: 1 });
const producer = kafka.producer();
await producer.connect();
for (const [topic, messages] of byTopic) {
  for (let i = 0; i < messages.length; i += 2_000) {
    await producer.send({ topic, messages: messages.slice(i, i + 2_000) });
  }
}
await producer.disconnect();
console.log(`produced ${changes} changes to ${topics.length} topics`);

// 1. Bare kafkajs over the same topics: consume and discard.
const bare = await (async () => {
  const consumer = kafka.consumer({ groupId: `${prefix}-bare` });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  let seen = 0;
  let first = 0;
  const ended = await new Promise<number>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        seen += batch.messages.length;
        if (seen >= changes) resolve(performance.now());
      },
    });
  });
  await consumer.disconnect();
  return changes / ((ended - first) / 1000);
})();

// 2. The pipeline with every plugin; the lookups plugin's Prisma services replaced by in-memory lookups.
const chDir = mkdtempSync(join(tmpdir(), 'lbench-ch-'));
const clickhouse = await openClickHouse({ path: chDir });
await ensureMetricEventTable(clickhouse);
const redis = new Redis(env.REDIS_URL!);
const lookups = trafficLookups(world);
const groupId = `${prefix}-pipeline`;
const pipeline = await createEventPipeline({
  brokers: env.KAFKA_BROKERS!.split(','),
  groupId,
  plugins: plugins.map((p) => (p.id === 'app-lookups' ? { ...p, services: [] } : p)),
  provisions: lookups.overrides,
  decode: createDecoder({ debezium: { topicPrefix: prefix }, clickhouse: chRoutes }),
  sourceTopics: topics,
  metricTopic,
  deadLetterTopic: dlq,
  clickhouse,
  redis,
  cacheScope: prefix,
  flushRows: 20_000,
  flushIntervalMs: 1_000,
});
const started = performance.now();
await pipeline.start();
let first = 0;
while (true) {
  if (first === 0 && pipeline.stats.consumed > 0) first = performance.now();
  if (pipeline.stats.consumed >= changes && (await caughtUp(admin, groupId, [...topics, metricTopic]))) break;
  await new Promise((r) => setTimeout(r, 100));
}
const seconds = (performance.now() - (first || started)) / 1000;
const s = pipeline.stats;
console.log(
  JSON.stringify({
    changes,
    bareKafkajsChangesPerSecond: Math.round(bare),
    pipelineChangesPerSecond: Math.round(changes / seconds),
    metricEventsStored: s.metricEventsStored,
    metricEventsPerSecond: Math.round(s.metricEventsStored / seconds),
    deadLetters: s.deadLetters,
    lookupQueriesPer1000Changes: Number(((lookups.queries().total / changes) * 1000).toFixed(1)),
    ratioToBare: Number((changes / seconds / bare).toFixed(2)),
  }),
);
await pipeline.close();
await admin.deleteTopics({ topics: [...topics, metricTopic, dlq] }).catch(() => undefined);
await admin.disconnect();
redis.disconnect();
await clickhouse.close();
rmSync(chDir, { recursive: true, force: true });

/** True once the group committed the end of every topic. */
async function caughtUp(a: Admin, group: string, names: string[]): Promise<boolean> {
  const committed = new Map<string, string>();
  for (const t of await fetchHostGroupOffsets(a, group, names)) {
    for (const p of t.partitions) committed.set(`${t.topic}:${p.partition}`, p.offset);
  }
  for (const topic of names) {
    for (const p of await a.fetchTopicOffsets(topic)) {
      if (p.high !== '0' && committed.get(`${topic}:${p.partition}`) !== p.high) return false;
    }
  }
  return true;
}
