import { parseClickHouseDateTime } from '@engagement/plugin-api';
import { DecodeError } from '../errors.js';
import { changeId } from './change-id.js';
import { isJsonObject, parseMessagePart, positionText } from './connect-json.js';
import type { DecodeResult, KafkaRecord } from './kafka-record.js';
import { skip } from './kafka-record.js';
import type { ClickHouseTopicRoute } from './routing.js';

/** The id column used when a route names none, if the row has it. */
export const DEFAULT_CLICKHOUSE_ID_COLUMN = 'eventId';

/**
 * Decodes one JSONEachRow message (one row) into a `create` event. Values stay as ClickHouse rendered
 * them: 64-bit integers are strings by default (`output_format_json_quote_64bit_integers=1`) or numbers
 * (turned into strings above 2^53 by the parser); `readRow(...).bigint()` reads either.
 */
export function decodeClickHouseRow(record: KafkaRecord, route: ClickHouseTopicRoute): DecodeResult {
  if (record.value === null) return skip('tombstone');
  const row = parseMessagePart(record, 'value');
  if (!isJsonObject(row)) {
    throw new DecodeError('EB_DECODE_UNKNOWN_SHAPE', `not a JSONEachRow object at ${positionText(record)}`);
  }
  return {
    kind: 'event',
    event: {
      source: 'clickhouse',
      table: route.table,
      op: 'create',
      before: null,
      after: row,
      occurredAt: occurredAt(row, route.timestampColumn),
      id: identity(record, row, route),
      position: { topic: record.topic, partition: record.partition, offset: record.offset },
      // Rows carry no ordered position: a row published twice is recognised by its id instead.
      sourcePosition: null,
    },
  };
}

/**
 * The same row reaches Kafka two ways: a Kafka-engine table in production, the host's own publish after
 * an embedded insert. Only a column of the row is the same on both paths, so it wins over the offset.
 * A route that names its id column requires it (a typo must not silently fall back to offsets).
 */
function identity(record: KafkaRecord, row: Record<string, unknown>, route: ClickHouseTopicRoute): string {
  const column = route.idColumn ?? DEFAULT_CLICKHOUSE_ID_COLUMN;
  const value = row[column];
  if (value === undefined || value === null || value === '') {
    if (route.idColumn !== undefined) throw missing(column, value);
    return changeId('ch', ['position', record.topic, record.partition, record.offset]);
  }
  if (typeof value !== 'string' && typeof value !== 'number') throw missing(column, value);
  // String(): a UInt64 id is the same identity whether it was quoted or not.
  return changeId('ch', [route.table, String(value)]);
}

function occurredAt(row: Record<string, unknown>, column: string): Date {
  const value = row[column];
  const date =
    typeof value === 'string'
      ? (parseClickHouseDateTime(value) ??
        (/T.*(Z|[+-]\d{2}:?\d{2})$/.test(value) ? new Date(value) : undefined))
      : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new DecodeError(
      'EB_DECODE_BAD_VALUE',
      `column "${column}": expected 'YYYY-MM-DD hh:mm:ss[.fff]' (UTC), got ${JSON.stringify(value)}`,
    );
  }
  return date;
}

const missing = (column: string, value: unknown) =>
  new DecodeError(
    'EB_DECODE_BAD_VALUE',
    `column "${column}": expected a row id, got ${JSON.stringify(value)}`,
  );
