import type { KafkaRecord } from '../events/kafka-record.js';

/** Reads a header as a string (kafkajs delivers Buffers, possibly several per name; a worker, Uint8Arrays). */
export function headerString(record: KafkaRecord, name: string): string | undefined {
  const v = record.headers?.[name];
  if (v === undefined || v === null) return undefined;
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined || first === null) return undefined;
  if (first instanceof Uint8Array)
    return Buffer.from(first.buffer, first.byteOffset, first.byteLength).toString();
  return String(first);
}
