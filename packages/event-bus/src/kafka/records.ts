import type { IHeaders } from 'kafkajs';

/** A Kafka record as the runtime sees it, independent of the client library's batch types. */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
  timestamp?: string;
}

/** Reads a header as a string (kafkajs gives Buffers). */
export function headerString(record: RawRecord, name: string): string | undefined {
  const v = record.headers?.[name];
  if (v === undefined) return undefined;
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
}
