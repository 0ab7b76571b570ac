import {
  createDecoder,
  type EntityMetricEvent,
  type KafkaRecord,
  type MetricTouch,
  type PluginDefinition,
} from '@engagement/event-bus';
import type { DeadLetterReason } from '@engagement/event-bus/kafka';
import type { HostProvision } from '@engagement/event-bus/runtime';
import { type FakeChange, startTestHost } from '@engagement/event-bus/testing';
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
 * Runs records through the production decoder, dispatcher and ingest stage on the test kit's host, whose
 * sinks are in memory: the host's code path with nothing written to ClickHouse, Redis or Kafka. Plugin
 * services are built as in the host, so lookups may read the configured Postgres.
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
  const host = await startTestHost({
    plugins: input.plugins,
    overrides: input.provisions,
    decoder,
    listenerMaxAttempts: input.config.listenerMaxAttempts,
  });
  let records = 0;
  let skipped = 0;
  for await (const record of input.records) {
    records++;
    try {
      if (decoder(record).kind === 'skip') skipped++;
    } catch {
      // Undecodable: the host dead-letters it below.
    }
    // The test host reads only the record of a change; the event is decoded by the real pipeline code.
    await host.send({ record } as FakeChange);
  }
  await host.flush();
  return {
    records,
    skipped,
    events: host.store.inserts.flat(),
    touches: host.touched,
    deadLetters: host.deadLetters.letters,
  };
}
