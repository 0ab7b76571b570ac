import type { KafkaRecord } from '../events/kafka-record.js';

/** Reads a header as a string (kafkajs delivers Buffers, possibly several per name). */
export function headerString(record: KafkaRecord, name: string): string | undefined {
  const v = record.headers?.[name];
  if (v === undefined || v === null) return undefined;
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined || first === null ? undefined : String(first);
}
