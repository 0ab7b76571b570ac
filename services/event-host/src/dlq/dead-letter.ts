import type { KafkaRecord } from '@engagement/event-bus';
import { DLQ_HEADERS, headerString } from '@engagement/event-bus/kafka';

/** One record of the dead-letter topic, with its reason and original position read from the headers. */
export interface DeadLetter {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  code: string;
  message: string;
  /** The listener that kept failing; absent when the record could not be decoded at all. */
  listener?: string;
  source: { topic: string; partition: number; offset: string };
  attempts: number;
  failedAt: string;
}

/** Reads a dead-letter record's headers (see `DLQ_HEADERS` in the event bus). */
export function toDeadLetter(record: KafkaRecord): DeadLetter {
  const h = (name: string) => headerString(record, name);
  return {
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    value: record.value,
    code: h(DLQ_HEADERS.code) ?? 'unknown',
    message: h(DLQ_HEADERS.message) ?? '',
    listener: h(DLQ_HEADERS.listener),
    source: {
      topic: h(DLQ_HEADERS.topic) ?? '',
      partition: Number(h(DLQ_HEADERS.partition) ?? -1),
      offset: h(DLQ_HEADERS.offset) ?? '',
    },
    attempts: Number(h(DLQ_HEADERS.attempts) ?? 1),
    failedAt: h(DLQ_HEADERS.failedAt) ?? '',
  };
}
