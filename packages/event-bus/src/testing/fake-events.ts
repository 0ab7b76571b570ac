import type { ChangeEvent } from '@engagement/plugin-api';
import { createDecoder } from '../events/decode.js';
import type { KafkaRecord } from '../events/kafka-record.js';

/** A fake change: the Kafka record Debezium would have produced, and the event the real decoder makes of it. */
export interface FakeChange {
  record: KafkaRecord;
  readonly event: ChangeEvent;
}

type Row = Record<string, unknown>;

let nextOffset = 0;
let nextLsn = 10_000_000;

/** Topic prefix and schema the fake Debezium records use; match them in `startTestHost({ decoder })`. */
export const FAKE_TOPIC_PREFIX = 'app';

const decode = createDecoder({ debezium: { topicPrefix: FAKE_TOPIC_PREFIX } });

function change(
  table: string,
  op: 'c' | 'u' | 'd' | 'r',
  before: Row | null,
  after: Row | null,
  at: Date,
  partition: number,
): FakeChange {
  const key = after ?? before ?? {};
  const payload = {
    before,
    after,
    source: {
      version: '3.x-fake',
      connector: 'postgresql',
      name: FAKE_TOPIC_PREFIX,
      ts_ms: at.getTime(),
      snapshot: op === 'r' ? 'true' : 'false',
      db: 'app',
      schema: 'public',
      table,
      txId: 1000 + nextOffset,
      lsn: nextLsn++,
    },
    op,
    ts_ms: at.getTime() + 5,
  };
  const record: KafkaRecord = {
    topic: `${FAKE_TOPIC_PREFIX}.public.${table}`,
    partition,
    offset: String(nextOffset++),
    key: Buffer.from(JSON.stringify({ id: key.id ?? null })),
    value: Buffer.from(JSON.stringify(payload)),
  };
  let event: ChangeEvent | undefined;
  return {
    record,
    get event() {
      if (!event) {
        const result = decode(record);
        if (result.kind !== 'event')
          throw new Error(`fake ${table} change decoded to a skip: ${result.reason}`);
        event = result.event;
      }
      return event;
    },
  };
}

/** Builds changes of one table, the way Debezium (JSON without schema) encodes them. */
export interface TableChanges {
  created(row: Row, at?: Date): FakeChange;
  updated(before: Row, after: Row, at?: Date): FakeChange;
  deleted(row: Row, at?: Date): FakeChange;
  snapshot(row: Row, at?: Date): FakeChange;
  /** Uses another partition for the following changes (default 0). */
  onPartition(partition: number): TableChanges;
}

function tableChanges(table: string, partition: number): TableChanges {
  return {
    created: (row, at = new Date()) => change(table, 'c', null, row, at, partition),
    updated: (before, after, at = new Date()) => change(table, 'u', before, after, at, partition),
    deleted: (row, at = new Date()) => change(table, 'd', row, null, at, partition),
    snapshot: (row, at = new Date()) => change(table, 'r', null, row, at, partition),
    onPartition: (p) => tableChanges(table, p),
  };
}

/**
 * Event builders: `fakeEvent.postgres('ImageReaction').created({ id: 1, imageId: 7, reaction: 'Like' })`.
 * Values are given as Debezium would encode them without schema (timestamps as epoch numbers, numerics as
 * strings); the event goes through the real decoder.
 */
export const fakeEvent = {
  postgres: (table: string): TableChanges => tableChanges(table, 0),
  /** A record with arbitrary bytes, e.g. to check that malformed input is dead-lettered. */
  raw(topic: string, value: string | null, partition = 0): FakeChange {
    const record: KafkaRecord = {
      topic,
      partition,
      offset: String(nextOffset++),
      key: null,
      value: value === null ? null : Buffer.from(value),
    };
    return {
      record,
      get event(): ChangeEvent {
        const result = decode(record);
        if (result.kind !== 'event') throw new Error(`raw record decoded to a skip: ${result.reason}`);
        return result.event;
      },
    };
  },
};
