import type { KafkaRecord } from '@engagement/event-bus';
import { DLQ_HEADERS, headerString } from '@engagement/event-bus/kafka';

/** One record of the dead-letter topic, with its reason and original position read from the headers. */
export interface DeadLetter {
  /** The dead-letter topic it was read from. */
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Every header of the record, as text. */
  headers: Record<string, string>;
  code: string;
  /** The code of the error's cause, e.g. `ML_RELATED_ROW_MISSING` under `EB_LISTENER_FAILED`. */
  causeCode?: string;
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
  const headers: Record<string, string> = {};
  for (const name of Object.keys(record.headers ?? {})) {
    const v = h(name);
    if (v !== undefined) headers[name] = v;
  }
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    value: record.value,
    headers,
    code: h(DLQ_HEADERS.code) ?? 'unknown',
    causeCode: h(DLQ_HEADERS.causeCode),
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

/** A letter's position, `topic/partition/offset`: what `dlq list` prints and `dlq show|discard` accept. */
export const positionOf = (l: Pick<DeadLetter, 'topic' | 'partition' | 'offset'>) =>
  `${l.topic}/${l.partition}/${l.offset}`;

/**
 * Parses `topic/partition/offset` (or `partition/offset`, on `topic`). Undefined when it is not a position.
 */
export function parsePosition(text: string, topic: string): string | undefined {
  const m = /^(?:(.+)\/)?(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  return positionOf({ topic: m[1] ?? topic, partition: Number(m[2]), offset: BigInt(m[3]!).toString() });
}
