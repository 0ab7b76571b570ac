import type { EntityMetricEvent } from '@engagement/plugin-api';
import type { KafkaRecord } from '../events/kafka-record.js';
import { decodeMetricMessages } from '../metrics/metric-message.js';
import type { MetricTopicMessage, MetricTopicWriter } from '../runtime/ports.js';

/**
 * A metric topic in memory, one partition: keeps every event published (decoded back from the wire format,
 * so tests cover what production sends) and hands each request's records to its reader at once.
 */
export class InMemoryMetricTopic implements MetricTopicWriter {
  /** Every metric event published, in order (duplicates included on replays). */
  readonly published: EntityMetricEvent[] = [];
  private offset = 0;
  private reader?: (records: KafkaRecord[]) => Promise<unknown>;

  constructor(readonly topic = 'eventbus.entity-metric-events') {}

  /** Where records go once published (the apply stage); without one they are only kept. */
  readBy(reader: (records: KafkaRecord[]) => Promise<unknown>): void {
    this.reader = reader;
  }

  async send(messages: readonly MetricTopicMessage[]): Promise<void> {
    const records = messages.map((m) => ({
      topic: this.topic,
      partition: 0,
      offset: String(this.offset++),
      key: Buffer.from(m.key),
      value: Buffer.from(m.value),
      ...(m.headers ? { headers: m.headers } : {}),
    }));
    for (const r of records) this.published.push(...decodeMetricMessages(r.value).events);
    await this.reader?.(records);
  }
}
