import type { Producer } from 'kafkajs';
import type { MetricTopicWriter } from '../runtime/ports.js';

/**
 * The metric publisher on Kafka: each request is acknowledged by every in-sync replica. `onError` sees
 * what a send throws (the pipeline makes kafkajs' "retries exhausted" retriable there). The runtime's
 * `publishMetricEvents` encodes the events and cuts the requests it sends.
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
