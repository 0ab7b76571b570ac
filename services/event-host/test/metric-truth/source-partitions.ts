// The source partitions of a test run: more of them than the consumer processes at once is the condition
// under which a child's change used to wait for its parent's partition that never ran; and, when a run
// fails, where the group stands (lag per topic, members).
import { ensureTopics, fetchHostGroupOffsets, fetchTopicOffsets } from '@engagement/event-bus/kafka';
import type { Admin } from 'kafkajs';

/**
 * Creates missing topics with `n` partitions and grows existing ones to `n`. A producer that already
 * wrote to a grown topic (Kafka Connect) sees the new partitions at its next metadata refresh.
 */
export async function ensurePartitions(admin: Admin, topics: readonly string[], n: number): Promise<void> {
  await ensureTopics(admin, topics, { numPartitions: n });
  const grow: { topic: string; count: number }[] = [];
  for (const topic of topics)
    if ((await fetchTopicOffsets(admin, topic)).length < n) grow.push({ topic, count: n });
  if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow, validateOnly: false });
}

/** `topic:partition` → high watermark, for every partition of `topics`. */
export async function highWatermarks(admin: Admin, topics: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const topic of topics)
    for (const o of await fetchTopicOffsets(admin, topic)) out.set(`${topic}:${o.partition}`, o.high);
  return out;
}

/** How many partitions of `topics` received records since `before` (high watermarks). */
export async function partitionsWritten(
  admin: Admin,
  topics: readonly string[],
  before: Map<string, string>,
): Promise<number> {
  let written = 0;
  for (const [key, high] of await highWatermarks(admin, topics))
    if (high !== (before.get(key) ?? '0')) written++;
  return written;
}

/** Where a consumer group stands: records not committed yet per topic, and its members (id, client). */
export async function groupReport(admin: Admin, groupId: string, topics: readonly string[]) {
  const high = await highWatermarks(admin, topics);
  const lag: Record<string, number> = {};
  for (const { topic, partitions } of await fetchHostGroupOffsets(admin, groupId, topics)) {
    for (const p of partitions) {
      const behind = Number(high.get(`${topic}:${p.partition}`)) - Math.max(0, Number(p.offset));
      if (behind > 0) lag[topic] = (lag[topic] ?? 0) + behind;
    }
  }
  const members = (await admin.describeGroups([groupId])).groups[0]?.members ?? [];
  return { lag, members: members.map((m) => `${m.memberId} (${m.clientId})`) };
}
