import type { ChangeOp } from '@engagement/plugin-api';
import { DecodeError } from '../errors.js';
import { changeId } from './change-id.js';
import { isJsonObject, parseMessagePart, positionText, unwrapConnect } from './connect-json.js';
import { holdsNoLargeNumber } from './json-text.js';
import type { DecodeResult, KafkaRecord } from './kafka-record.js';
import { skip } from './kafka-record.js';
import { type ConnectSchema, convertRow } from './postgres-types.js';
import type { DebeziumTableRoute } from './routing.js';
import { debeziumSourcePosition } from './source-position.js';

const OPS: Readonly<Record<string, ChangeOp>> = { c: 'create', u: 'update', d: 'delete', r: 'snapshot' };

type Json = Record<string, unknown>;

/**
 * Decodes one message of a Debezium Postgres table topic (JsonConverter, with or without the embedded
 * schema) into a change event, or a skip for tombstones, truncates, logical messages and schema changes.
 */
export function decodeDebezium(record: KafkaRecord, route: DebeziumTableRoute): DecodeResult {
  if (record.value === null) return skip('tombstone');
  const { payload, schema } = unwrapConnect(parseMessagePart(record, 'value', readsExactly));
  if (!isJsonObject(payload)) throw unknownShape(record);
  const envelope = payload;
  if ('ddl' in envelope || 'tableChanges' in envelope) return skip('schema-change');
  if (typeof envelope.status === 'string' && 'id' in envelope) return skip('transaction');

  const source = envelope.source;
  if (typeof envelope.op !== 'string' || !isJsonObject(source)) throw unknownShape(record);
  // Truncate has no row, so no listener contract fits it; Debezium skips it by default (skipped.operations=t).
  if (envelope.op === 't') return skip('truncate');
  if (envelope.op === 'm') return skip('logical-message');
  const op = OPS[envelope.op];
  if (op === undefined) {
    throw new DecodeError('EB_DECODE_UNKNOWN_OP', `op "${envelope.op}" at ${positionText(record)}`);
  }

  const before = row(envelope.before, fieldSchema(schema, 'before'), record);
  const after = row(envelope.after, fieldSchema(schema, 'after'), record);
  if (after === null && op !== 'delete') throw unknownShape(record, `op "${envelope.op}" without "after"`);

  return {
    kind: 'event',
    event: {
      source: 'postgres',
      table: route.table,
      op,
      before,
      after,
      occurredAt: occurredAt(source, record),
      id: identity(record, source, envelope.op, after ?? before),
      position: { topic: record.topic, partition: record.partition, offset: record.offset },
      sourcePosition:
        op === 'snapshot' || source.connector !== 'postgresql'
          ? null
          : debeziumSourcePosition(source.sequence),
      ...sourceTx(source),
    },
  };
}

/**
 * Whether `JSON.parse` read every number this decoder uses exactly (see `parseJson`): the rows, and the
 * source's `lsn`, `txId` and `ts_ms`. Not the whole envelope: Debezium stamps every change with `ts_ns`
 * (19 digits, beyond 2^53, never read here), which would send each one down the slower scan of the text.
 * The Connect schema's numbers are not read either (a decimal's scale is a string parameter).
 */
function readsExactly(json: unknown): boolean {
  const { payload } = unwrapConnect(json);
  // Not an envelope: decoding rejects or skips it whatever its numbers.
  if (!isJsonObject(payload)) return true;
  const { source } = payload;
  return (
    holdsNoLargeNumber(payload.before) &&
    holdsNoLargeNumber(payload.after) &&
    (!isJsonObject(source) ||
      (holdsNoLargeNumber(source.lsn) && holdsNoLargeNumber(source.txId) && holdsNoLargeNumber(source.ts_ms)))
  );
}

/**
 * The WAL position (`lsn`, plus `txId`) names the change in Postgres itself, so a Connect restart that
 * re-emits it at a new Kafka offset yields the same id; the offset would not. Snapshot rows share one
 * lsn, and a primary-key update emits a delete and a create at the same lsn, hence table, op and key.
 * A new snapshot reads at a new lsn, so re-snapshotted rows get new ids: they are new observations.
 */
function identity(record: KafkaRecord, source: Json, op: string, row: Json | null): string {
  const key = unwrapConnect(parseMessagePart(record, 'key')).payload;
  if (source.lsn === undefined || source.lsn === null) {
    // No WAL position (not seen from the Postgres connector): the Kafka position is the best we have.
    return changeId('pg', ['position', record.topic, record.partition, record.offset]);
  }
  // Raw (unconverted) key or row, so the id is the same with and without the embedded schema.
  return changeId('pg', [source.schema, source.table, source.lsn, source.txId ?? null, op, key ?? row]);
}

function occurredAt(source: Json, record: KafkaRecord): Date {
  // ts_ms is the commit time (the read time in snapshots). ts_us/ts_ns add nothing a Date can hold.
  const ms = source.ts_ms;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw unknownShape(record, 'source.ts_ms missing');
  return new Date(ms);
}

/** Debezium's txId, when the connector gives one (it does for Postgres; a snapshot read has one too). */
function sourceTx(source: Json): { sourceTx?: number } {
  const tx = source.txId;
  return typeof tx === 'number' && Number.isSafeInteger(tx) && tx >= 0 ? { sourceTx: tx } : {};
}

function row(value: unknown, schema: ConnectSchema | undefined, record: KafkaRecord): Json | null {
  if (value === null || value === undefined) return null;
  if (!isJsonObject(value)) throw unknownShape(record, 'row is not an object');
  return convertRow(value, schema);
}

function fieldSchema(schema: ConnectSchema | undefined, name: string): ConnectSchema | undefined {
  return schema?.fields?.find((field) => field.field === name);
}

const unknownShape = (record: KafkaRecord, detail = 'not a Debezium change envelope') =>
  new DecodeError('EB_DECODE_UNKNOWN_SHAPE', `${detail} at ${positionText(record)}`);
