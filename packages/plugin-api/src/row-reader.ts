import { parseClickHouseDateTime } from './clickhouse-time.js';
import { CodedError } from './coded-error.js';
import { epochToDate } from './epoch.js';

/** Epoch numbers at or above this are µs, below it ms: 1e14 ms is year 5138, 1e14 µs is March 1973. */
export const MICROS_THRESHOLD = 1e14;
/** Epoch numbers at or above this are ns (1e17 µs is year 5138, 1e17 ns is March 1973). */
export const NANOS_THRESHOLD = 1e17;

/**
 * A column did not hold what a listener read it as. Not retriable: the same row fails the same way, so the
 * runtime dead-letters the change. The code is the event bus's decode code, so dead-letter counts by cause
 * read the same whether a decoder or a listener found the bad value.
 */
export class RowValueError extends CodedError<'EB_DECODE_BAD_VALUE'> {
  constructor(message: string, cause?: unknown) {
    super('EB_DECODE_BAD_VALUE', message, { retriable: false, cause });
  }
}

/** Typed, checked access to a decoded row, whichever encoding it arrived in. */
export interface RowReader {
  /** The value as decoded, unchecked. */
  raw(column: string): unknown;
  isNull(column: string): boolean;
  /** A safe integer, from a number or integer text. */
  int(column: string): number;
  /** Any integer, from a number or integer text (int64 above 2^53 arrives as text). */
  bigint(column: string): bigint;
  string(column: string): string;
  bool(column: string): boolean;
  /** A Date from a Date, epoch ms/µs/ns number (by magnitude), ISO text or ClickHouse DateTime text. */
  date(column: string): Date;
  /** A SQL date as 'YYYY-MM-DD', from that text, days since epoch (Debezium's raw `date`) or a Date. */
  day(column: string): string;
  /** Exact decimal text. Numbers are accepted (ClickHouse renders Decimal unquoted) but may have rounded. */
  decimal(column: string): string;
  /** A JSON column: parses text (Debezium json/jsonb), passes objects through. The type is trusted. */
  json<T = unknown>(column: string): T;
}

/**
 * Wraps a row so listeners read columns with the type they expect; a mismatch throws `RowValueError`
 * (`EB_DECODE_BAD_VALUE`) naming the column, which the runtime dead-letters like any bad message.
 * Call the methods on the reader (`r.int('id')`), not detached: they are shared, not bound per row, since a
 * listener wraps every row it reads and the per-row closures showed in the pipeline's profile.
 */
export function readRow(row: Readonly<Record<string, unknown>>): RowReader {
  return new CheckedRow(row);
}

class CheckedRow implements RowReader {
  constructor(private readonly row: Readonly<Record<string, unknown>>) {}

  private present(column: string): unknown {
    const value = this.row[column];
    if (value === null || value === undefined) throw bad(column, 'a value', value);
    return value;
  }

  raw(column: string): unknown {
    return this.row[column];
  }

  isNull(column: string): boolean {
    return this.row[column] === null || this.row[column] === undefined;
  }

  int(column: string): number {
    const value = this.present(column);
    // The common case without a BigInt: a number that is already a safe integer.
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    const n = Number(this.bigint(column));
    if (!Number.isSafeInteger(n)) throw bad(column, 'a safe integer', value);
    return n;
  }

  bigint(column: string): bigint {
    const value = this.present(column);
    if (typeof value === 'bigint') return value;
    if ((typeof value === 'number' && Number.isInteger(value)) || isIntegerText(value)) {
      return BigInt(value as number | string);
    }
    throw bad(column, 'an integer', value);
  }

  string(column: string): string {
    const value = this.present(column);
    if (typeof value !== 'string') throw bad(column, 'a string', value);
    return value;
  }

  bool(column: string): boolean {
    const value = this.present(column);
    if (typeof value !== 'boolean') throw bad(column, 'a boolean', value);
    return value;
  }

  date(column: string): Date {
    const value = this.present(column);
    const date = toDate(value);
    if (date === undefined) throw bad(column, 'a timestamp', value);
    return date;
  }

  day(column: string): string {
    const value = this.present(column);
    if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
    if (typeof value === 'number' && Number.isInteger(value)) {
      return new Date(value * 86_400_000).toISOString().slice(0, 10);
    }
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
    throw bad(column, 'a date', value);
  }

  decimal(column: string): string {
    const value = this.present(column);
    if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    // Base64 Connect bytes land here when the schema is off: the scale travels only in the schema.
    throw bad(column, 'decimal text (use decimal.handling.mode=string or keep the schema)', value);
  }

  json<T = unknown>(column: string): T {
    const value = this.present(column);
    if (typeof value !== 'string') return value as T;
    try {
      return JSON.parse(value) as T;
    } catch (cause) {
      throw new RowValueError(`column "${column}": invalid JSON text`, cause);
    }
  }
}

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'number' || isIntegerText(value)) {
    const magnitude = Math.abs(Number(value));
    const unitsPerMs = magnitude >= NANOS_THRESHOLD ? 1_000_000n : magnitude >= MICROS_THRESHOLD ? 1000n : 1n;
    return epochToDate(value, unitsPerMs);
  }
  if (typeof value !== 'string') return undefined;
  const date = parseClickHouseDateTime(value) ?? new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const isIntegerText = (value: unknown): value is string => typeof value === 'string' && /^-?\d+$/.test(value);

const bad = (column: string, expected: string, value: unknown) =>
  new RowValueError(`column "${column}": expected ${expected}, got ${describe(value)}`);

const describe = (value: unknown): string =>
  value === undefined
    ? 'nothing'
    : typeof value === 'bigint'
      ? `${value}n`
      : value instanceof Date
        ? value.toISOString()
        : JSON.stringify(value);
