import { silentLogger } from '@engagement/plugin-api';
import { type KafkaMessage, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaMetricTopic } from '../src/kafka/kafka-metric-topic.js';
import { poolMetricTopicModule } from '../src/kafka/pool-metric-topic.js';
import type { MetricTopicMessage } from '../src/runtime/ports.js';
import { NOT_STORED_HEADER, publishMetricEvents } from '../src/runtime/publish-metric-events.js';
import { WorkerPoolProcessor } from '../src/runtime/worker-pool.js';
import { fakeEvent } from '../src/testing/fake-events.js';
import { connectStack, type StackConnections, waitFor } from './integration-env.js';

let stack: StackConnections;

beforeAll(async () => {
  stack = await connectStack();
});

afterAll(async () => {
  await stack?.close();
});

/** Reactions on three partitions of their source topic: several origins, so several metric messages. */
function reactionRecords() {
  const reactions = fakeEvent.postgres('ImageReaction');
  return Array.from({ length: 30 }, (_, i) => {
    const row = { id: i + 1, imageId: 100 + (i % 4), userId: i + 1, reaction: 'Like' };
    return { ...reactions.onPartition(i % 3).created(row).record, offset: String(i) };
  });
}

/** One pool thread running the sample plugin, publishing to `topic` on `brokers`. */
function publishingPool(brokers: string[], topic: string) {
  return new WorkerPoolProcessor({
    threads: 1,
    pluginModules: [new URL('./sample-plugin.ts', import.meta.url).href],
    decoder: { debezium: { topicPrefix: 'app' } },
    logger: silentLogger,
    metricTopic: { module: poolMetricTopicModule, settings: { brokers, clientId: 'pool-test', topic } },
  });
}

/** Every message of a topic, as partition, key, value and headers, in partition and offset order. */
async function readTopic(topic: string, count: number) {
  const seen: { partition: number; offset: number; message: KafkaMessage }[] = [];
  const consumer = stack.kafka.consumer({ groupId: stack.unique(`read-${topic}`) });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) =>
      void seen.push({ partition, offset: Number(message.offset), message }),
  });
  await waitFor(
    async () => seen.length,
    (n) => n >= count,
    20_000,
    `${count} messages of ${topic}`,
  );
  await consumer.disconnect();
  return seen
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset)
    .map(({ partition, message }) => ({
      partition,
      key: message.key?.toString(),
      value: message.value?.toString(),
      headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
    }));
}

describe('pool threads publishing the metric messages they encoded', () => {
  it('send what the main thread would have sent, to the same partitions, and the main thread sends nothing', async () => {
    const brokers = stack.env.KAFKA_BROKERS!.split(',');
    const [fromPool, fromMain] = [stack.unique('pool-published'), stack.unique('main-published')];
    const admin = stack.kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [fromPool, fromMain].map((topic) => ({ topic, numPartitions: 3 })),
      waitForLeaders: true,
    });
    await admin.disconnect();
    const pool = publishingPool(brokers, fromPool);
    try {
      const batch = await pool.process(reactionRecords());
      const encoded = batch.encoded!;
      expect(encoded.published).toBe(true);
      expect(new Set(encoded.messages.map((m) => m.key)).size).toBe(3);
      // The ingest stage's publish: nothing more is sent.
      const sentAgain: MetricTopicMessage[] = [];
      await publishMetricEvents({ send: async (m) => void sentAgain.push(...m) }, undefined, {
        stored: false,
        encoded,
      });
      expect(sentAgain).toEqual([]);
      // The same encoding sent from this thread with the pipeline's producer settings, for comparison.
      const producer = stack.kafka.producer({
        idempotent: true,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      await publishMetricEvents(kafkaMetricTopic(producer, fromMain), undefined, {
        stored: false,
        encoded: { ...encoded, published: undefined },
      });
      await producer.disconnect();
      const count = encoded.messages.length;
      const [poolSide, mainSide] = [await readTopic(fromPool, count), await readTopic(fromMain, count)];
      expect(poolSide).toEqual(mainSide);
      expect(poolSide).toHaveLength(count);
      expect(poolSide.every((m) => m.headers[NOT_STORED_HEADER] === '1')).toBe(true);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('leave a batch unpublished when their send fails, for the main thread to publish', async () => {
    // Nothing listens on port 9 here: the thread's producer cannot connect.
    const pool = publishingPool(['127.0.0.1:9'], stack.unique('unreachable'));
    try {
      const batch = await pool.process(reactionRecords());
      expect(batch.encoded!.published).toBeUndefined();
      const sent: MetricTopicMessage[] = [];
      await publishMetricEvents({ send: async (m) => void sent.push(...m) }, undefined, {
        stored: false,
        encoded: batch.encoded!,
      });
      expect(sent.map((m) => m.key)).toEqual(batch.encoded!.messages.map((m) => m.key));
    } finally {
      await pool.close();
    }
  }, 60_000);
});
