// Topic administration that tolerates a broker which has just created a topic. On a fresh KRaft broker
// the metadata of a new topic reaches the broker's cache a moment after CreateTopics returns, and until
// its leader is elected the partitions answer retriable errors (UNKNOWN_TOPIC_OR_PARTITION,
// LEADER_NOT_AVAILABLE, NOT_LEADER_FOR_PARTITION) that kafkajs' admin passes on instead of retrying.
import type { Admin } from 'kafkajs';

export interface TopicPartitionOffsets {
  partition: number;
  /** The next offset to be written (the high watermark). */
  high: string;
  /** The earliest offset still stored. */
  low: string;
}

const isRetriable = (error: unknown) => (error as { retriable?: boolean }).retriable === true;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `attempt` until it succeeds, retrying retriable Kafka errors until `timeoutMs` has passed. */
async function retryRetriable<T>(attempt: () => Promise<T>, timeoutMs: number, delayMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRetriable(error) || Date.now() + delayMs > deadline) throw error;
      await sleep(delayMs);
    }
  }
}

/** Low and high offsets of every partition of `topic`. */
export function fetchTopicOffsets(
  admin: Admin,
  topic: string,
  { timeoutMs = 10_000 } = {},
): Promise<TopicPartitionOffsets[]> {
  return retryRetriable(() => admin.fetchTopicOffsets(topic), timeoutMs);
}

/**
 * Creates the topics of `names` that do not exist yet and returns once every partition of every named
 * topic has a leader, so that producing to and consuming from them works at once.
 */
export async function ensureTopics(
  admin: Admin,
  names: readonly string[],
  { numPartitions = 3, timeoutMs = 30_000 } = {},
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = names.filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    // Resolves false, not an error, for topics another member created in the meantime.
    await retryRetriable(
      () => admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions })) }),
      timeoutMs,
    );
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const led = await admin
      .fetchTopicMetadata({ topics: [...names] })
      .then(({ topics }) =>
        topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)),
      )
      .catch((error: unknown) => {
        if (isRetriable(error)) return false;
        throw error;
      });
    if (led) return;
    if (Date.now() > deadline) {
      throw new Error(`Kafka topics ${names.join(', ')} have no leader after ${timeoutMs / 1000} s`);
    }
    await sleep(100);
  }
}
