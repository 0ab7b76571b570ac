// The pipeline's consuming half on in-memory sinks, for the limits bench's phase (c): `assemblePipeline`
// with the real kafkajs EventConsumer, ingest stage, decoder and the sample plugin's listener on the main thread, with the test
// kit's InMemoryMetricStore in place of ClickHouse and no metric-topic publish (so no Redis apply either).
// Source offsets are committed to Kafka after each flush, as in production. Not a bench itself.

import { silentLogger } from '@engagement/plugin-api';
import { createDecoder } from '../src/events/decode.js';
import { EventConsumer } from '../src/kafka/event-consumer.js';
import { ensureTopics } from '../src/kafka/topics.js';
import { assemblePipeline } from '../src/runtime/assemble-pipeline.js';
import { InMemoryDeadLetters, InMemoryMetricCache, InMemoryMetricStore } from '../src/testing/index.js';
import { samplePlugin } from '../test/sample-plugin.js';
import { type BenchContext, benchDecodeOptions, PARTITIONS } from './bench-kit.js';

export interface InMemoryPipeline {
  pipeline: { stats: { consumed: number; metricEventsStored: number } };
  groupId: string;
  /** Subscribed (the consumer always reads one) but never written: nothing is published. */
  metricTopic: string;
  store: InMemoryMetricStore;
  /** Flushes the ingest buffer now (stores and commits what was processed). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export async function startInMemoryPipeline(
  ctx: BenchContext,
  options: { topic: string; name: string; flushIntervalMs: number; flushRows?: number },
): Promise<InMemoryPipeline> {
  const groupId = `bench-${options.name}-${ctx.run}`;
  const metricTopic = `bench.metrics-${options.name}-${ctx.run}`;
  await ensureTopics(ctx.admin, [metricTopic], { numPartitions: PARTITIONS });
  const store = new InMemoryMetricStore();
  // The host's assembly with in-memory sinks in place of ClickHouse and Redis, and no metric topic.
  const assembled = await assemblePipeline(
    {
      source: (stages) =>
        new EventConsumer({
          kafka: ctx.kafka,
          groupId,
          sourceTopics: [options.topic],
          metricTopic,
          ...stages,
          logger: silentLogger,
        }),
      store,
      cache: new InMemoryMetricCache(),
      deadLetters: new InMemoryDeadLetters(),
    },
    { plugins: [samplePlugin] },
    {
      decode: createDecoder(benchDecodeOptions(options.topic)),
      flushIntervalMs: options.flushIntervalMs,
      flushRows: options.flushRows ?? 20_000,
    },
  );
  const { ingest, processor, stats, source: consumer } = assembled;
  await consumer.start();
  return {
    pipeline: { stats },
    groupId,
    metricTopic,
    store,
    flush: () => ingest.flush(),
    async close() {
      await consumer.close();
      await processor.close();
    },
  };
}
