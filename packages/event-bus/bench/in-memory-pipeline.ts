// The pipeline's consuming half on in-memory sinks, for the limits bench's phase (c): the real kafkajs
// EventConsumer, ingest stage, decoder and the sample plugin's listener on the main thread, with the test
// kit's InMemoryMetricStore in place of ClickHouse and no metric-topic publish (so no Redis apply either).
// Source offsets are committed to Kafka after each flush, as in production. Not a bench itself.
import { createDecoder } from '../src/events/decode.js';
import { EventConsumer } from '../src/kafka/event-consumer.js';
import { ensureTopics } from '../src/kafka/topics.js';
import { silentLogger } from '../src/listeners/logger.js';
import { ApplyStage } from '../src/runtime/apply-stage.js';
import { IngestStage } from '../src/runtime/ingest-stage.js';
import { PluginContainer } from '../src/runtime/plugin-container.js';
import { LocalProcessor } from '../src/runtime/record-processor.js';
import { validatePlugins } from '../src/runtime/validate-plugins.js';
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
  const plugins = [samplePlugin];
  const stats = { consumed: 0, metricEventsStored: 0 };
  const store = new InMemoryMetricStore();
  const deadLetters = new InMemoryDeadLetters();
  const processor = new LocalProcessor({
    decode: createDecoder(benchDecodeOptions(options.topic)),
    listeners: validatePlugins(plugins, []),
    container: await PluginContainer.create(plugins, []),
    logger: silentLogger,
  });
  let consumer: EventConsumer;
  const ingest = new IngestStage({
    processor,
    deadLetters,
    store: async (rows) => {
      await store.insert(rows);
      stats.metricEventsStored += rows.length;
    },
    onProcessed: (records) => {
      stats.consumed += records;
    },
    commit: (offsets) => consumer.commit(offsets),
    flushIntervalMs: options.flushIntervalMs,
    flushRows: options.flushRows ?? 20_000,
  });
  const cache = new InMemoryMetricCache();
  const apply = new ApplyStage({ deadLetters, applyToCache: (events) => cache.apply(events) });
  consumer = new EventConsumer({
    kafka: ctx.kafka,
    groupId,
    sourceTopics: [options.topic],
    metricTopic,
    ingest,
    apply,
    logger: silentLogger,
  });
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
