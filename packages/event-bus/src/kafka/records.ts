import type { KafkaMessage } from 'kafkajs';
import type { KafkaRecord } from '../events/kafka-record.js';

export { headerString } from '../runtime/record-headers.js';

/** A fetched kafkajs message as the record the stages work on. */
export function toRecord(topic: string, partition: number, m: KafkaMessage): KafkaRecord {
  return { topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers };
}
