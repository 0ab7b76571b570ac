import { epochToDate } from '@engagement/plugin-api';
import { DecodeError } from '../errors.js';
import { decodeConnectDecimal } from './connect-decimal.js';

/** A Kafka Connect schema node as JsonConverter embeds it (`schemas.enable=true`). */
export interface ConnectSchema {
  type: string;
  optional?: boolean;
  /** Logical type, e.g. `io.debezium.time.MicroTimestamp`. */
  name?: string;
  version?: number;
  parameters?: Record<string, string>;
  /** The field name when this node describes a struct field. */
  field?: string;
  fields?: ConnectSchema[];
}

type Converter = (value: unknown, schema: ConnectSchema, column: string) => unknown;

const bad = (column: string, expected: string, value: unknown) =>
  new DecodeError(
    'EB_DECODE_BAD_VALUE',
    `column "${column}": expected ${expected}, got ${JSON.stringify(value)}`,
  );

const epoch =
  (unitsPerMs: bigint): Converter =>
  (value, _schema, column) => {
    const date = epochToDate(value, unitsPerMs);
    if (date === undefined) throw bad(column, 'an epoch integer', value);
    return date;
  };

/**
 * Logical types Debezium's Postgres connector emits, by schema `name`. Anything not listed (MicroTime,
 * Interval, geometry, ...) passes through as Debezium encoded it.
 */
const converters: Record<string, Converter> = {
  'io.debezium.time.Timestamp': epoch(1n),
  'org.apache.kafka.connect.data.Timestamp': epoch(1n),
  'io.debezium.time.MicroTimestamp': epoch(1000n),
  'io.debezium.time.NanoTimestamp': epoch(1_000_000n),
  'io.debezium.time.ZonedTimestamp': (value, _s, column) => {
    const date = typeof value === 'string' ? new Date(value) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) throw bad(column, 'an ISO-8601 timestamp', value);
    return date;
  },
  // A SQL date has no time zone; a 'YYYY-MM-DD' string cannot be misread in local time the way a Date can.
  'io.debezium.time.Date': (value, _s, column) => daysToIsoDate(value, column),
  'org.apache.kafka.connect.data.Date': (value, _s, column) => daysToIsoDate(value, column),
  'org.apache.kafka.connect.data.Decimal': (value, schema, column) => {
    if (typeof value !== 'string') throw bad(column, 'base64 decimal bytes', value);
    return decodeConnectDecimal(value, Number(schema.parameters?.scale ?? 0), column);
  },
  // numeric without a declared precision: Debezium sends { scale, value } per row.
  'io.debezium.data.VariableScaleDecimal': (value, _s, column) => {
    const { scale, value: bytes } = (value ?? {}) as { scale?: unknown; value?: unknown };
    if (typeof scale !== 'number' || typeof bytes !== 'string') throw bad(column, '{ scale, value }', value);
    return decodeConnectDecimal(bytes, scale, column);
  },
};

function daysToIsoDate(value: unknown, column: string): string {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw bad(column, 'days since epoch', value);
  return new Date(value * 86_400_000).toISOString().slice(0, 10);
}

/** Converts one value per its Connect schema; null stays null. */
export function convertValue(value: unknown, schema: ConnectSchema, column: string): unknown {
  if (value === null || value === undefined) return null;
  const converter = schema.name === undefined ? undefined : converters[schema.name];
  return converter === undefined ? value : converter(value, schema, column);
}

/**
 * Converts a `before`/`after` row using its struct schema. Without a schema (`schemas.enable=false`) the
 * row is returned untouched, in Debezium's wire encoding; `readRow` reads both forms.
 */
export function convertRow(
  row: Record<string, unknown>,
  schema: ConnectSchema | undefined,
): Record<string, unknown> {
  if (schema?.fields === undefined) return row;
  const out: Record<string, unknown> = { ...row };
  for (const field of schema.fields) {
    if (field.field !== undefined && field.field in row) {
      out[field.field] = convertValue(row[field.field], field, field.field);
    }
  }
  return out;
}
