// Throughput of the event pipeline against a bare kafkajs consume-and-discard loop on the same topic, in
// the same run. Run with the local stack up:
//   npm run stack -- up && npx tsx --conditions=source packages/event-bus/bench/throughput.ts [changes]
// Prints changes/s for both and the ratio. The pipeline runs in-process (listeners on the main thread).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { readStackEnv } from '../../../infra/stack/env.js';
import { createEventPipeline } from '../src/kafka/create-pipeline.js';
import { ensureTopics } from '../src/kafka/topics.js';
import { openClickHouse } from '../src/sinks/clickhouse/client.js';
import { samplePlugin } from '../test/sample-plugin.js';
import { groupLag, produceAll, syntheticReactions } from '../test/synthetic-reactions.js';

const changes = Number(process.argv[2] ?? 100_000);
// --threads N: run decoding and listeners on a pool of N worker threads instead of the main thread.
const threadsArg = process.argv.indexOf('--threads');
const threads = threadsArg > 0 ? Number(process.argv[threadsArg + 1]) : 0;
const env = readStackEnv();
const brokers = env.KAFKA_BROKERS!.split(',');
const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
const run = Date.now().toString(36);
const topic = `bench.reactions-${run}`;
const partitions = 3;

const admin = kafka.admin();
await admin.connect();
await ensureTopics(admin, [topic], { numPartitions: partitions });
const data = syntheticReactions({ creates: changes, deleteEvery: 10, images: 1_000, users: 500, partitions });
const t0 = performance.now();
await produceAll(kafka, topic, data.messages);
console.log(`produced ${data.messages.length} changes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// 1. Bare kafkajs: consume and discard, no commits.
const bare = await (async () => {
  const consumer = kafka.consumer({ groupId: `bench-bare-${run}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let started = 0;
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (started === 0) started = performance.now();
        seen += batch.messages.length;
        if (seen >= data.messages.length) resolve(performance.now());
      },
    });
  });
  const ended = await done;
  await consumer.disconnect();
  return data.messages.length / ((ended - started) / 1000);
})();
console.log(`bare kafkajs consume-and-discard: ${bare.toFixed(0)} changes/s`);

// 2. The pipeline: decode, listeners, ClickHouse (chDB), publish, Redis increments, commits.
const redis = new Redis(env.REDIS_URL!);
const clickhouse = await openClickHouse({ path: mkdtempSync(join(tmpdir(), 'eb-bench-')) });
const groupId = `bench-pipeline-${run}`;
const metricTopic = `bench.metrics-${run}`;
const pipeline = await createEventPipeline({
  brokers,
  groupId,
  plugins: [samplePlugin],
  decode: {
    debezium: { topicPrefix: 'app' },
    overrides: { [topic]: { kind: 'debezium', schema: 'public', table: 'ImageReaction' } },
  },
  workerThreads: threads,
  pluginModules: [new URL('../test/sample-plugin.ts', import.meta.url).href],
  sourceTopics: [topic],
  metricTopic,
  deadLetterTopic: `bench.dlq-${run}`,
  clickhouse,
  redis,
  cacheScope: run,
  flushRows: 20_000,
  flushIntervalMs: 1_000,
});
const started = performance.now();
await pipeline.start();
let firstConsumed = 0;
const timeline = process.argv.includes('--timeline')
  ? setInterval(() => {
      const s = pipeline.stats;
      console.log(
        `  t=${((performance.now() - started) / 1000).toFixed(1)}s consumed=${s.consumed} stored=${s.metricEventsStored} ` +
          `applied=${s.cacheEventsApplied} buffered=${pipeline.ingest.bufferedRows} paused=${pipeline.consumerState.paused}`,
      );
    }, 250)
  : undefined;
while (true) {
  if (firstConsumed === 0 && pipeline.stats.consumed > 0) firstConsumed = performance.now();
  if (pipeline.stats.consumed >= data.messages.length) {
    const lag = await groupLag(admin, groupId, [topic, metricTopic]);
    if (lag.caughtUp) break;
  }
  await new Promise((r) => setTimeout(r, 100));
}
clearInterval(timeline);
const ended = performance.now();
const piped = data.messages.length / ((ended - (firstConsumed || started)) / 1000);
console.log(
  `pipeline (${threads > 0 ? `${threads} worker threads` : 'in-process'}): ${piped.toFixed(0)} changes/s, ${pipeline.stats.metricEventsStored} metric events stored, ` +
    `${pipeline.stats.cacheEventsApplied} applied to the cache, ${pipeline.stats.flushes} flushes`,
);
console.log(`ratio pipeline / bare kafkajs: ${((piped / bare) * 100).toFixed(0)}%`);
console.log(`heap used at the end: ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`);
await pipeline.close();
await admin.deleteTopics({ topics: [topic, metricTopic, `bench.dlq-${run}`] }).catch(() => undefined);
await admin.disconnect();
redis.disconnect();
await clickhouse.close();
