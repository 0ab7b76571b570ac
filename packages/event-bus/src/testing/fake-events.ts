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

/**
 * When a fake change was committed (its `occurredAt`, and so the `createdAt` of events that give none) unless
 * its builder is given `at`: 2026-01-01T12:00Z, fixed so a test reads no clock, and apart from the times fake
 * rows carry, so an event dated by the commit instead of its row shows.
 */
export const FAKE_COMMIT_TIME = new Date(Date.UTC(2026, 0, 1, 12));

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
  const lsn = nextLsn++;
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
      lsn,
      // Every streamed change carries its position ([lastCommitLsn, lsn]); snapshot reads carry none.
      sequence: op === 'r' ? null : JSON.stringify([String(lsn - 1), String(lsn)]),
    },
    op,
    ts_ms: at.getTime() + 5,
  };
  return decoded(
    {
      topic: `${FAKE_TOPIC_PREFIX}.public.${table}`,
      partition,
      offset: String(nextOffset++),
      key: Buffer.from(JSON.stringify({ id: key.id ?? null })),
      value: Buffer.from(JSON.stringify(payload)),
    },
    `fake ${table} change`,
  );
}

/** A fake change of `record`, decoded by the real decoder when its event is first asked for. */
function decoded(record: KafkaRecord, what: string): FakeChange {
  let event: ChangeEvent | undefined;
  return {
    record,
    get event() {
      if (!event) {
        const result = decode(record);
        if (result.kind !== 'event') throw new Error(`${what} decoded to a skip: ${result.reason}`);
        event = result.event;
      }
      return event;
    },
  };
}

/**
 * Builds changes of one table, the way Debezium (JSON without schema) encodes them, committed at `at`
 * (default {@link FAKE_COMMIT_TIME}).
 */
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
    created: (row, at = FAKE_COMMIT_TIME) => change(table, 'c', null, row, at, partition),
    updated: (before, after, at = FAKE_COMMIT_TIME) => change(table, 'u', before, after, at, partition),
    deleted: (row, at = FAKE_COMMIT_TIME) => change(table, 'd', row, null, at, partition),
    snapshot: (row, at = FAKE_COMMIT_TIME) => change(table, 'r', null, row, at, partition),
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
  /**
   * The same change published again by its source at a new offset, as Kafka Connect does after a restart
   * (the same bytes, the same source position): the host's re-send filter drops it before listeners run.
   * Sending a change itself again is a replay (a crash, a rebalance), which runs again and collapses.
   */
  resent(change: FakeChange): FakeChange {
    return decoded({ ...change.record, offset: String(nextOffset++) }, 're-sent record');
  },
  /** A record with arbitrary bytes, e.g. to check that malformed input is dead-lettered. */
  raw(topic: string, value: string | null, partition = 0): FakeChange {
    return decoded(
      {
        topic,
        partition,
        offset: String(nextOffset++),
        key: null,
        value: value === null ? null : Buffer.from(value),
      },
      'raw record',
    );
  },
};
