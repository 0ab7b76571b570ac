import type { Producer } from 'kafkajs';
import type { KafkaRecord } from '../events/kafka-record.js';
import type { DeadLetterReason, DeadLetterSink } from '../runtime/ports.js';

export type { DeadLetterReason, DeadLetterSink } from '../runtime/ports.js';

/** Header names on dead-letter records. */
export const DLQ_HEADERS = {
  code: 'eb.error.code',
  /** The code of the error's cause (what a listener threw, e.g. `ML_RELATED_ROW_MISSING`), when it has one. */
  causeCode: 'eb.error.cause-code',
  message: 'eb.error.message',
  listener: 'eb.listener',
  topic: 'eb.source.topic',
  partition: 'eb.source.partition',
  offset: 'eb.source.offset',
  attempts: 'eb.attempts',
  failedAt: 'eb.failed-at',
} as const;

/**
 * Writes failed records to the dead-letter topic with the original key and value, and the reason and
 * original position in headers. The write is acknowledged by all in-sync replicas before the source
 * offset may be committed.
 */
export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly onWritten?: (reason: DeadLetterReason, record: KafkaRecord) => void,
  ) {}

  async write(record: KafkaRecord, reason: DeadLetterReason): Promise<void> {
    const headers: Record<string, string> = {
      [DLQ_HEADERS.code]: reason.code,
      [DLQ_HEADERS.message]: reason.message.slice(0, 4_000),
      [DLQ_HEADERS.topic]: record.topic,
      [DLQ_HEADERS.partition]: String(record.partition),
      [DLQ_HEADERS.offset]: record.offset,
      [DLQ_HEADERS.attempts]: String(reason.attempts ?? 1),
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
    };
    if (reason.listenerId) headers[DLQ_HEADERS.listener] = reason.listenerId;
    if (reason.causeCode) headers[DLQ_HEADERS.causeCode] = reason.causeCode;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [{ key: record.key, value: record.value, headers }],
    });
    this.onWritten?.(reason, record);
  }
}
