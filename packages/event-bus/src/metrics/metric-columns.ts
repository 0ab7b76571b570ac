import type { EntityMetricEvent } from '@engagement/plugin-api';
import { DecodeError, type DecodeErrorCode } from '../errors.js';
import type { DecodedMetricMessage } from './metric-message.js';

/**
 * Decoded metric messages in a form that crosses threads cheaply: numbers in one Float64Array, the few
 * distinct entity types, metric types and origins as indexes into a list, and only the event ids as one
 * string each. A structured clone of event objects (each with its `Date`) costs the receiver about as much as
 * parsing their JSON again; these columns cost it a copy, and the objects are built from them in one pass.
 */
export interface MetricColumns {
  /** Per message: how many valid events it held, in order. */
  counts: Uint32Array;
  eventIds: string[];
  /** Distinct strings of the three text columns below. */
  names: string[];
  /** Per event: entityType, metricType and origin as indexes into `names`. */
  nameAt: Uint32Array;
  /** Per event: entityId, userId, metricValue, createdAt ms, originSeq, sourceTx (NaN when absent). */
  numbers: Float64Array;
  /** Per message, its invalid rows (rare): the row index and the error's code and message (not its cause). */
  invalid: { message: number; row: number; code: DecodeErrorCode; text: string }[];
}

const NAMES_PER_EVENT = 3;
const NUMBERS_PER_EVENT = 6;

/** The columns of some decoded messages (the inverse of `fromMetricColumns`). */
export function toMetricColumns(messages: readonly DecodedMetricMessage[]): MetricColumns {
  let total = 0;
  for (const m of messages) total += m.events.length;
  const counts = new Uint32Array(messages.length);
  const eventIds: string[] = [];
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const nameAt = new Uint32Array(total * NAMES_PER_EVENT);
  const numbers = new Float64Array(total * NUMBERS_PER_EVENT);
  const invalid: MetricColumns['invalid'] = [];
  const indexOf = (name: string): number => {
    let i = nameIndex.get(name);
    if (i === undefined) {
      i = names.push(name) - 1;
      nameIndex.set(name, i);
    }
    return i;
  };
  let n = 0;
  messages.forEach((m, message) => {
    counts[message] = m.events.length;
    for (const e of m.events) {
      eventIds.push(e.eventId);
      nameAt[n * NAMES_PER_EVENT] = indexOf(e.entityType);
      nameAt[n * NAMES_PER_EVENT + 1] = indexOf(e.metricType);
      nameAt[n * NAMES_PER_EVENT + 2] = indexOf(e.origin);
      const at = n * NUMBERS_PER_EVENT;
      numbers[at] = e.entityId;
      numbers[at + 1] = e.userId;
      numbers[at + 2] = e.metricValue;
      numbers[at + 3] = e.createdAt.getTime();
      numbers[at + 4] = e.originSeq;
      numbers[at + 5] = e.sourceTx ?? Number.NaN;
      n++;
    }
    for (const { row, error } of m.invalid) {
      const code = error.code as DecodeErrorCode;
      // The message without the `<code>: ` the error's constructor puts before it (it does so again).
      const text = error.message.startsWith(`${code}: `)
        ? error.message.slice(code.length + 2)
        : error.message;
      invalid.push({ message, row, code, text });
    }
  });
  return { counts, eventIds, names, nameAt, numbers, invalid };
}

/** The decoded messages again: events with the fields and key order `decodeMetricMessage` gives them. */
export function fromMetricColumns(columns: MetricColumns): DecodedMetricMessage[] {
  const { counts, eventIds, names, nameAt, numbers } = columns;
  const messages: DecodedMetricMessage[] = [];
  let n = 0;
  for (let message = 0; message < counts.length; message++) {
    const events: EntityMetricEvent[] = [];
    for (const end = n + counts[message]!; n < end; n++) {
      const at = n * NUMBERS_PER_EVENT;
      const names3 = n * NAMES_PER_EVENT;
      const sourceTx = numbers[at + 5]!;
      const event: EntityMetricEvent = {
        eventId: eventIds[n]!,
        entityType: names[nameAt[names3]!]!,
        entityId: numbers[at]!,
        userId: numbers[at + 1]!,
        metricType: names[nameAt[names3 + 1]!]!,
        metricValue: numbers[at + 2]!,
        createdAt: new Date(numbers[at + 3]!),
        origin: names[nameAt[names3 + 2]!]!,
        originSeq: numbers[at + 4]!,
      };
      if (!Number.isNaN(sourceTx)) event.sourceTx = sourceTx;
      events.push(event);
    }
    messages.push({ events, invalid: [] });
  }
  for (const { message, row, code, text } of columns.invalid)
    messages[message]!.invalid.push({ row, error: new DecodeError(code, text) });
  return messages;
}
