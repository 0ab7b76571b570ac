import type { ChangeEvent } from '@engagement/plugin-api';

/** The parts of a consumed Kafka message the decoders read; kafkajs' `KafkaMessage` plus its topic fits. */
export interface KafkaRecord {
  topic: string;
  partition: number;
  /** Offsets are strings because they can exceed 2^53. */
  offset: string;
  key: Buffer | null;
  /** Null for a tombstone. */
  value: Buffer | null;
  headers?: Readonly<Record<string, unknown>>;
  /** The record's Kafka timestamp (ms, as text). Not used for `occurredAt`: it is not when the row changed. */
  timestamp?: string;
}

/** Why a message produced no event. Skips are normal traffic, not errors. */
export type SkipReason =
  | 'tombstone'
  | 'heartbeat'
  | 'transaction'
  | 'truncate'
  | 'logical-message'
  | 'schema-change'
  | 'non-row-topic'
  | 'unknown-topic';

/** What a decoder makes of one message. Bad input throws a `DecodeError` instead. */
export type DecodeResult = { kind: 'event'; event: ChangeEvent } | { kind: 'skip'; reason: SkipReason };

/** Shorthand for building a skip result. */
export function skip(reason: SkipReason): DecodeResult {
  return { kind: 'skip', reason };
}
