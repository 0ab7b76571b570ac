import type { Logger } from '@engagement/plugin-api';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import type { ThreadMetricTopic } from '../runtime/ports.js';
import { kafkaLogCreator } from './kafka-log.js';
import { kafkaMetricTopic } from './kafka-metric-topic.js';

/** What a pool thread's metric-topic producer is built from (it crosses to the thread by structured clone). */
export interface PoolMetricTopicSettings {
  brokers: string[];
  clientId: string;
  topic: string;
}

/** This module, for `WorkerPoolOptions.metricTopic`: threads import it by name (functions cannot cross). */
export const poolMetricTopicModule = new URL(
  import.meta.url.endsWith('.ts') ? './pool-metric-topic.ts' : './pool-metric-topic.js',
  import.meta.url,
).href;

/**
 * A pool thread's own producer of the metric topic, so the thread that encoded a batch's messages also sends
 * them (`pool-worker.ts`). The same partitioner and acknowledgements as the pipeline's producer, so a
 * message lands in the partition of its origin as it would from the main thread. Few retries and not
 * idempotent: when a send fails the thread gives up and the main thread publishes the batch with its own
 * producer (unlimited retries); a message the failed send did write is then on the topic twice, which the
 * caches skip by origin position like any replay.
 */
export async function threadMetricTopic(
  settings: PoolMetricTopicSettings,
  logger: Logger,
): Promise<ThreadMetricTopic> {
  const kafka = new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    retry: { retries: 3 },
  });
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 3 },
  });
  await producer.connect();
  return { ...kafkaMetricTopic(producer, settings.topic), close: () => producer.disconnect() };
}
