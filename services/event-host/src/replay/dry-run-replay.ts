import { createDecoder, type KafkaRecord, type MetricTouch } from '@engagement/event-bus';
import { assemblePipeline, type DeadLetterReason } from '@engagement/event-bus/runtime';
import { inMemoryPorts } from '@engagement/event-bus/testing';
import type { EntityMetricEvent, HostProvision, PluginDefinition } from '@engagement/plugin-api';
import type { HostConfig } from '../config/host-config.js';

/** What a dry-run replay produced. */
export interface ReplayResult {
  records: number;
  /** Records that are no change (heartbeats, tombstones, transaction markers, snapshots of no interest). */
  skipped: number;
  /** Metric events in the order the listeners emitted them. */
  events: EntityMetricEvent[];
  /** Entities the listeners touched for recompute (see `MetricEmitter.touch`), in order, one per flush. */
  touches: MetricTouch[];
  deadLetters: { record: KafkaRecord; reason: DeadLetterReason }[];
}

/**
 * Runs records through the host's own assembly (`assemblePipeline`: decoder, re-send filter, dispatcher,
 * ingest and apply stages) on in-memory adapters: the host's code path with nothing written to ClickHouse,
 * Redis or Kafka. Plugin services are built as in the host, so lookups may read the configured Postgres.
 */
export async function dryRunReplay(input: {
  records: AsyncIterable<KafkaRecord> | Iterable<KafkaRecord>;
  plugins: readonly PluginDefinition[];
  config: Pick<HostConfig, 'debezium' | 'sources' | 'listenerMaxAttempts'>;
  provisions?: readonly HostProvision[];
}): Promise<ReplayResult> {
  const decoder = createDecoder({
    debezium: { topicPrefix: input.config.debezium.topicPrefix },
    clickhouse: input.config.sources.clickhouseTopics,
  });
  const adapters = inMemoryPorts();
  const pipeline = await assemblePipeline(
    adapters.ports,
    { plugins: input.plugins, provisions: input.provisions },
    {
      decode: decoder,
      listenerMaxAttempts: input.config.listenerMaxAttempts,
      listenerRetryBaseMs: 1,
      flushIntervalMs: Number.POSITIVE_INFINITY,
    },
  );
  let records = 0;
  let skipped = 0;
  for await (const record of input.records) {
    records++;
    try {
      if (decoder(record).kind === 'skip') skipped++;
    } catch {
      // Undecodable: the pipeline dead-letters it below.
    }
    await pipeline.source.send([record]);
  }
  await pipeline.ingest.flush();
  await pipeline.processor.close();
  return {
    records,
    skipped,
    events: adapters.store.inserts.flat(),
    touches: adapters.touched,
    deadLetters: adapters.deadLetters.letters,
  };
}
