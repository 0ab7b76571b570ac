import type { Admin } from 'kafkajs';

/**
 * The consumer group that reads the metric topic for the host group `groupId`. Every host member joins both:
 * the host group for the source topics and this one for the metric topic, each with its own fetch loop, so
 * applying metric batches never waits for the source batches of a fetch (docs/architecture.md).
 */
export const metricGroupOf = (groupId: string): string => `${groupId}.metrics`;

/**
 * `admin.fetchOffsets` for a host group's topics, source or metric: the host group commits the source topics
 * and its metric group the metric topic, and neither commits the other's, so each partition gets the larger
 * of the two groups' offsets ('-1' where neither committed).
 */
export async function fetchHostGroupOffsets(
  admin: Pick<Admin, 'fetchOffsets'>,
  groupId: string,
  topics: readonly string[],
): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]> {
  const [host, metrics] = await Promise.all(
    [groupId, metricGroupOf(groupId)].map((group) =>
      admin.fetchOffsets({ groupId: group, topics: [...topics] }),
    ),
  );
  const offsets = new Map<string, Map<number, string>>();
  for (const { topic, partitions } of [...host!, ...metrics!]) {
    const byPartition = offsets.get(topic) ?? new Map<number, string>();
    offsets.set(topic, byPartition);
    for (const { partition, offset } of partitions) {
      const had = byPartition.get(partition);
      if (had === undefined || BigInt(offset) > BigInt(had)) byPartition.set(partition, offset);
    }
  }
  return [...offsets].map(([topic, byPartition]) => ({
    topic,
    partitions: [...byPartition].map(([partition, offset]) => ({ partition, offset })),
  }));
}
