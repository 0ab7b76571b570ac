import type { EntityMetricEvent } from '@engagement/plugin-api';
import { type EncodedMetrics, encodeMetrics } from './encoded-metrics.js';
import type { MetricTopicMessage, MetricTopicWriter } from './ports.js';

/**
 * Marks metric messages published before the store holds their events. The search queue must not take them:
 * a search flush reads ClickHouse's totals, so an entity queued before its events are stored would be written
 * with the old values and taken off the queue.
 */
export const NOT_STORED_HEADER = 'eb.not-stored';

/** Upper bound of one metric-topic request, well below the broker's default 1 MiB message.max.bytes. */
const MAX_PUBLISH_BYTES = 512 * 1024;

/**
 * Publishes metric events to the metric topic, keyed by origin (one origin stays in one partition, in
 * order). The host calls it as soon as a batch is processed, before the events are in ClickHouse: the cache
 * logs each event until ClickHouse holds it, so fills stay exact (docs/reading-metrics.md). Returns the
 * events as it encoded them (`EncodedMetrics`: each row's JSON and their bytes), which the ClickHouse insert
 * reuses instead of serialising again.
 */
export async function publishMetricEvents(
  topic: MetricTopicWriter,
  /** The events; undefined when only their `encoded` form exists (a pool thread's batch, see `leaveOutEvents`). */
  events: readonly EntityMetricEvent[] | undefined,
  /** `false` when the store does not hold the events yet (the early publish): consumers then leave them out
   * of the search queue, which the ingest stage fills after the store (see `NOT_STORED_HEADER`). */
  options: {
    stored?: boolean;
    /** `events` already serialised (by a pool thread, see `EncodedMetrics`): sent as they are. */
    encoded?: EncodedMetrics;
  } = {},
): Promise<EncodedMetrics> {
  const headers = options.stored === false ? { [NOT_STORED_HEADER]: '1' } : undefined;
  // Requests are cut by encoded size, not count: one request must stay under the broker's message.max.bytes
  // (1 MiB by default) even when every message of it lands in one partition.
  let batch: MetricTopicMessage[] = [];
  let bytes = 0;
  const { encoded } = options;
  if (!events && !encoded) throw new TypeError('publishMetricEvents needs the events or their encoded form');
  const sent =
    encoded && (!events || encoded.json.length === events.length) ? encoded : encodeMetrics(events!);
  // A pool thread sent them already, marked as this early publish marks them.
  if (sent.published && options.stored === false) return sent;
  for (const message of sent.messages) {
    const size = message.key.length + message.value.length + 64;
    if (batch.length > 0 && bytes + size > MAX_PUBLISH_BYTES) {
      await topic.send(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(headers ? { ...message, headers } : message);
    bytes += size;
  }
  if (batch.length > 0) await topic.send(batch);
  return sent;
}
