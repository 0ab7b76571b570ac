// Starts a consumer group at the current end of its topics (for integration tests on a shared stack, whose
// Debezium topics hold other runs' history, which a run must neither wait for nor count).

import type { Admin, Kafka } from 'kafkajs';
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
    await untilCoordinatorAnswers(admin, groupId);
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
    await untilEmpty(admin, groupId);
  } finally {
    await admin.disconnect();
  }
}

/**
 * On a broker whose first group this is, the coordinator is still loading __consumer_offsets (or not
 * elected yet); a consumer that joins then can be left rejoining after its disconnect: a member nobody
 * runs, holding half the partitions. Asks for the group's offsets until its coordinator answers.
 */
async function untilCoordinatorAnswers(admin: Admin, groupId: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await admin.fetchOffsets({ groupId });
      return;
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Waits until the group has no member (the helper's consumer really left); fails naming any that stays. */
async function untilEmpty(admin: Admin, groupId: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const members = (await admin.describeGroups([groupId])).groups[0]?.members ?? [];
    if (members.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`group ${groupId} still has members ${members.map((m) => m.memberId).join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
