import type { KafkaRecord } from '../events/kafka-record.js';
import type { DeadLetterReason, DeadLetterSink } from '../runtime/ports.js';

/** Keeps dead letters in a list instead of a Kafka topic. */
export class InMemoryDeadLetters implements DeadLetterSink {
  readonly letters: { record: KafkaRecord; reason: DeadLetterReason }[] = [];

  async write(record: KafkaRecord, reason: DeadLetterReason): Promise<void> {
    this.letters.push({ record, reason });
  }
}
