import type { EntityMetricEvent } from '@engagement/plugin-api';
import { DecodeError } from '../errors.js';
import { type MetricEventRow, metricEventJson } from './metric-event-row.js';

/**
 * Entity metric events travel on Kafka as JSONEachRow text: one row per line, one or more rows per
 * message. That is what ClickHouse's Kafka-engine export writes in production (`kafka_format =
 * 'JSONEachRow'`, with `kafka_max_rows_per_message` rows per message) and what the host publishes with the
 * embedded engine. The host keys each message by origin, so every event of one origin lands in one
 * partition, in order.
 */
export interface MetricMessage {
  key: string;
  value: string;
}

/** Bounds of one message the host publishes. */
export interface MetricMessageLimits {
  /** Rows per message (ClickHouse's `kafka_max_rows_per_message`). */
  maxRows: number;
  /** Bytes of text per message; the broker's default `message.max.bytes` is 1 MiB. */
  maxBytes: number;
}

/**
 * 120 KiB of text: a message's value stays below V8's large-object size (128 KiB), so the joined string here
 * and the value decoded from it in the apply stage are made in the young generation. A larger string gets
 * fresh pages of its own, which cost a page fault each as they are written: with 256 KiB the full pipeline
 * faulted 1.33–1.53 times per change on its main thread, with 120 KiB 0.94–1.05 (limits bench, four pairs,
 * docs/performance-history.md, "Eighth session").
 */
const DEFAULT_LIMITS: MetricMessageLimits = { maxRows: 1_000, maxBytes: 120 * 1024 };

/**
 * Packs events into messages, keyed by origin, keeping the order of each origin's events.
 * Many rows per message cut the Kafka work per event (framing, CRCs, fetch decoding) by that factor.
 * `json` is each event's row as `metricEventJson` gives it, when the caller already has it.
 */
export function encodeMetricMessages(
  events: readonly EntityMetricEvent[],
  limits: Partial<MetricMessageLimits> = {},
  json: readonly string[] = events.map(metricEventJson),
): MetricMessage[] {
  return metricMessageRows(events, json, limits).map((m) => ({
    key: m.key,
    value: m.rows.map((i) => json[i]).join('\n'),
  }));
}

/**
 * How `encodeMetricMessages` packs events: per message its key and the indexes of its rows, in order (for a
 * caller that builds the values from bytes it already has).
 */
export function metricMessageRows(
  events: readonly EntityMetricEvent[],
  json: readonly string[],
  limits: Partial<MetricMessageLimits> = {},
): { key: string; rows: number[] }[] {
  const { maxRows, maxBytes } = { ...DEFAULT_LIMITS, ...limits };
  const open = new Map<string, { rows: number[]; bytes: number }>();
  const messages: { key: string; rows: number[] }[] = [];
  const close = (key: string, m: { rows: number[] }) => {
    messages.push({ key, rows: m.rows });
    open.delete(key);
  };
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const line = json[i]!;
    let current = open.get(e.origin);
    if (current && (current.rows.length >= maxRows || current.bytes + line.length + 1 > maxBytes)) {
      close(e.origin, current);
      current = undefined;
    }
    if (!current) {
      current = { rows: [], bytes: 0 };
      open.set(e.origin, current);
    }
    current.rows.push(i);
    current.bytes += line.length + 1;
  }
  for (const [key, m] of open) close(key, m);
  return messages;
}

/** One event as a single-row message. */
export function encodeMetricMessage(e: EntityMetricEvent): MetricMessage {
  return { key: e.origin, value: metricEventJson(e) };
}

/** What one message held: its valid rows, and each invalid row's 0-based index and error. */
export interface DecodedMetricMessage {
  events: EntityMetricEvent[];
  invalid: { row: number; error: DecodeError }[];
}

/** Splits a JSONEachRow message into events; an invalid row does not hide the valid ones. */
export function decodeMetricMessages(value: Buffer | string | null): DecodedMetricMessage {
  if (value === null) {
    return {
      events: [],
      invalid: [
        { row: 0, error: new DecodeError('EB_DECODE_UNKNOWN_SHAPE', 'metric message without a value') },
      ],
    };
  }
  const result: DecodedMetricMessage = { events: [], invalid: [] };
  const lines = value.toString().split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    try {
      result.events.push(decodeMetricMessage(line));
    } catch (error) {
      const e = error instanceof DecodeError ? error : new DecodeError('EB_DECODE_BAD_VALUE', String(error));
      result.invalid.push({ row: i, error: e });
    }
  }
  return result;
}

/** Parses one row; ClickHouse may quote 64-bit integers, so numbers are accepted as strings too. */
export function decodeMetricMessage(value: Buffer | string | null): EntityMetricEvent {
  if (value === null) throw new DecodeError('EB_DECODE_UNKNOWN_SHAPE', 'metric message without a value');
  let row: Partial<Record<keyof MetricEventRow, unknown>>;
  try {
    row = JSON.parse(value.toString());
  } catch (cause) {
    throw new DecodeError('EB_DECODE_INVALID_JSON', 'metric message is not JSON', cause);
  }
  if (typeof row !== 'object' || row === null) {
    throw new DecodeError('EB_DECODE_UNKNOWN_SHAPE', 'metric message row is not an object');
  }
  // Plain calls, no closures per row: this runs for every event the apply stage reads.
  const createdAt = rowTime(rowString(row, 'createdAt'));
  return {
    eventId: rowString(row, 'eventId'),
    entityType: rowString(row, 'entityType'),
    entityId: rowInt(row, 'entityId'),
    userId: rowInt(row, 'userId'),
    metricType: rowString(row, 'metricType'),
    metricValue: rowInt(row, 'metricValue'),
    createdAt,
    origin: rowString(row, 'origin'),
    originSeq: rowInt(row, 'originSeq'),
    ...(row.sourceTx === undefined || row.sourceTx === null ? {} : { sourceTx: rowInt(row, 'sourceTx') }),
  };
}

type RowFields = Partial<Record<keyof MetricEventRow, unknown>>;

function rowInt(row: RowFields, name: keyof MetricEventRow): number {
  const n = Number(row[name]);
  if (!Number.isSafeInteger(n))
    throw new DecodeError('EB_DECODE_BAD_VALUE', `metric message ${name}=${row[name]}`);
  return n;
}

function rowString(row: RowFields, name: keyof MetricEventRow): string {
  const v = row[name];
  if (typeof v !== 'string') throw new DecodeError('EB_DECODE_BAD_VALUE', `metric message lacks ${name}`);
  return v;
}

/** Digits of `text` from `at` to `at + length` as a number, or -1 if any is not a digit. */
function digits(text: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** The second `rowTime` read last by position: its text up to the milliseconds' dot, and its epoch ms. */
const lastSecond = { text: '\u0000', ms: 0 };

/**
 * ClickHouse's DateTime64(3) text in UTC (`YYYY-MM-DD hh:mm:ss.mmm`, as `toClickHouseTime` writes it) as a
 * Date, read by position; any other shape, and days past the 28th, take the general parse (same result).
 */
function rowTime(text: string): Date {
  if (text.length === 23 && text[10] === ' ' && text[19] === '.') {
    // Events mostly come in time order, many per second: the last second read is kept.
    const ms = digits(text, 20, 3);
    if (ms >= 0 && text.startsWith(lastSecond.text)) return new Date(lastSecond.ms + ms);
    const y = digits(text, 0, 4);
    const mo = digits(text, 5, 2);
    const d = digits(text, 8, 2);
    const h = digits(text, 11, 2);
    const mi = digits(text, 14, 2);
    const s = digits(text, 17, 2);
    const shaped = text[4] === '-' && text[7] === '-' && text[13] === ':' && text[16] === ':';
    // Date.UTC reads years below 100 as 19xx and rolls over out-of-range fields: those take the general parse.
    if (shaped && y >= 1000 && mo >= 1 && mo <= 12 && d >= 1 && d <= 28 && h >= 0 && h < 24)
      if (mi >= 0 && mi < 60 && s >= 0 && s < 60 && ms >= 0) {
        lastSecond.text = text.slice(0, 20);
        lastSecond.ms = Date.UTC(y, mo - 1, d, h, mi, s);
        return new Date(lastSecond.ms + ms);
      }
  }
  const date = new Date(`${text.replace(' ', 'T')}Z`);
  if (Number.isNaN(date.getTime())) throw new DecodeError('EB_DECODE_BAD_VALUE', 'metric message createdAt');
  return date;
}
