// Starts a consumer group at the current end of its topics (for integration tests on a shared stack, whose
// Debezium topics hold other runs' history, which a run must neither wait for nor count).

import type { Kafka } from 'kafkajs';
import { ensureTopics, fetchTopicOffsets } from '../kafka/topics.js';

/**
 * Creates missing topics and commits, for `groupId`, the high watermark of every partition of `topics`.
 * One consumer joins the group once and commits everything (kafkajs' admin.setOffsets joins per topic,
 * about 5 s each).
 */
export async function startGroupAtEnd(
  kafka: Kafka,
  groupId: string,
  topics: readonly string[],
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets: { topic: string; partition: number; offset: string }[] = [];
  try {
    await ensureTopics(admin, topics, { numPartitions: 1 });
    for (const topic of topics) {
      for (const o of await fetchTopicOffsets(admin, topic))
        offsets.push({ topic, partition: o.partition, offset: o.high });
    }
  } finally {
    await admin.disconnect();
  }
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  try {
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.subscribe({ topics: [...topics], fromBeginning: false });
    // Nothing is consumed: the first fetch is paused at once, the commit below is all this consumer does.
    await consumer.run({ autoCommit: false, eachBatch: async ({ pause }) => void pause() });
    await joined;
    await consumer.commitOffsets(offsets);
  } finally {
    await consumer.disconnect();
  }
}
