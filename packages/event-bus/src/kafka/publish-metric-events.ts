import type { Producer } from 'kafkajs';
import type { EntityMetricEvent } from '../metrics/entity-metric-event.js';
import { encodeMetricMessages } from '../metrics/metric-message.js';

/** Upper bound of one metric-topic request, well below the broker's default 1 MiB message.max.bytes. */
const MAX_PUBLISH_BYTES = 512 * 1024;

/**
 * Publishes metric events to the metric topic, keyed by origin (one origin stays in one partition, in
 * order), with acks from every in-sync replica. The host calls it as soon as a batch is processed, before the
 * events are in ClickHouse: the cache logs each event until ClickHouse holds it, so fills stay exact
 * (docs/reading-metrics.md).
 */
export async function publishMetricEvents(
  producer: Producer,
  topic: string,
  events: readonly EntityMetricEvent[],
): Promise<void> {
  // Sends are cut by encoded size, not count: one request must stay under the broker's message.max.bytes
  // (1 MiB by default) even when every message of it lands in one partition.
  let batch: { key: string; value: string }[] = [];
  let bytes = 0;
  for (const message of encodeMetricMessages(events)) {
    const size = message.key.length + message.value.length + 64;
    if (batch.length > 0 && bytes + size > MAX_PUBLISH_BYTES) {
      await producer.send({ topic, acks: -1, messages: batch });
      batch = [];
      bytes = 0;
    }
    batch.push(message);
    bytes += size;
  }
  if (batch.length > 0) await producer.send({ topic, acks: -1, messages: batch });
}
