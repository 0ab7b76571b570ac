import type { EntityMetricEvent } from '@engagement/plugin-api';
import type { Producer } from 'kafkajs';
import type { MetricTopicWriter } from '../runtime/ports.js';
import { publishMetricEvents as publishToTopic } from '../runtime/publish-metric-events.js';

export { NOT_STORED_HEADER } from '../runtime/publish-metric-events.js';

/**
 * The metric publisher on Kafka: each request is acknowledged by every in-sync replica. `onError` sees
 * what a send throws (the pipeline makes kafkajs' "retries exhausted" retriable there).
 */
export function kafkaMetricTopic(
  producer: Producer,
  topic: string,
  onError: (error: unknown) => never = (error) => {
    throw error;
  },
): MetricTopicWriter {
  return {
    send: async (messages) => {
      await producer.send({ topic, acks: -1, messages: [...messages] }).catch(onError);
    },
  };
}

/** Publishes metric events to `topic` (see the runtime's `publishMetricEvents`); for repairs and tools. */
export function publishMetricEvents(
  producer: Producer,
  topic: string,
  events: readonly EntityMetricEvent[],
  options: { stored?: boolean } = {},
): Promise<void> {
  return publishToTopic(kafkaMetricTopic(producer, topic), events, options);
}
