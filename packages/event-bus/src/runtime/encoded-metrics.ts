import type { EntityMetricEvent } from '@engagement/plugin-api';
import { encodeLines } from '../metrics/json-lines.js';
import { metricEventJson } from '../metrics/metric-event-row.js';
import { metricMessageRows } from '../metrics/metric-message.js';
import { StoredRows } from '../metrics/stored-rows.js';
import type { MetricTopicMessage } from './ports.js';
import type { BatchOutcome, RecordOutcome } from './record-processor.js';

/**
 * A batch's metric events as the sinks send them: each event's table row as one JSONEachRow line (the text
 * of the ClickHouse insert), the same lines as bytes, and the metric-topic messages made of those lines. Pool
 * threads build it next to the listeners, so the main thread forwards bytes instead of serialising; the
 * bytes are the ones it would make itself (the same functions over the same events in the same order).
 */
export interface EncodedMetrics {
  /** `metricEventJson` of each dispatched metric event, in outcome order. */
  json: string[];
  /** `json` as JSONEachRow bytes (`toJsonLines`), in a buffer of their own (a clone copies a view's whole buffer). */
  lines: Uint8Array;
  /**
   * The metric-topic messages of the same events, packed as `encodeMetricMessages` packs them. A message whose
   * rows are consecutive (one origin's, the usual case) has a view of `lines` as its value, the bytes of its
   * joined text: encoded once, for the store and the topic.
   */
  messages: MetricTopicMessage[];
  /**
   * Set when the event objects were left out of the batch's outcomes (each dispatched outcome's `metrics` is
   * then empty and `json` stands for them): what the ingest stage needs of them besides their text.
   */
  eventsLeftOut?: LeftOutEvents;
  /**
   * Set by a pool thread that already sent `messages` to the metric topic, marked not stored (see
   * `WorkerPoolOptions.metricTopic`): `publishMetricEvents` then sends nothing.
   */
  published?: true;
}

/** What the ingest stage needs of a batch's events when it gets their text only (see `leaveOutEvents`). */
export interface LeftOutEvents {
  /** The events' `StoredRows`. */
  rows: StoredRows;
  /** The most events one record of the batch made. */
  mostPerRecord: number;
}

/** The metric events of a batch's dispatched outcomes, in order: what the ingest stage publishes and buffers. */
export function dispatchedMetrics(outcomes: readonly RecordOutcome[]): EntityMetricEvent[] {
  const metrics: EntityMetricEvent[] = [];
  for (const outcome of outcomes) {
    if (outcome.kind === 'dispatched') for (const m of outcome.metrics) metrics.push(m);
  }
  return metrics;
}

/** Serialises events once, for both the metric topic and the store. */
export function encodeMetrics(events: readonly EntityMetricEvent[]): EncodedMetrics {
  const json = events.map(metricEventJson);
  const { bytes, ascii } = encodeLines(json);
  // Where each line starts in `bytes`, and one past the last newline: the text's offsets when all is ASCII.
  const starts = [0];
  for (let i = 0; i < json.length; i++)
    starts.push(starts[i]! + (ascii ? json[i]!.length : Buffer.byteLength(json[i]!)) + 1);
  const messages = metricMessageRows(events, json).map(({ key, rows }): MetricTopicMessage => {
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    const consecutive = last - first + 1 === rows.length;
    const value = consecutive
      ? bytes.subarray(starts[first], starts[last + 1]! - 1)
      : rows.map((i) => json[i]).join('\n');
    return { key, value };
  });
  // A plain Uint8Array, as a pool thread's batch arrives (a clone drops Buffer's prototype).
  const lines = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { json, lines, messages };
}

/**
 * The batch without its event objects, for a pool thread to send back: receiving them (a structured clone of
 * every object and its `Date`) was ~6.6 of the ~8 µs per change the main thread spent receiving a batch
 * (docs/performance-history.md, "Session of 2026-12-04, morning"). Only a batch in which no record was
 * invalid and no listener failed: the ingest stage buffers such a batch in one step, so it needs no event of
 * it one by one. Others are returned as they are.
 */
export function leaveOutEvents(batch: BatchOutcome & { encoded: EncodedMetrics }): BatchOutcome {
  let mostPerRecord = 0;
  for (const o of batch.outcomes) {
    if (o.kind === 'invalid' || (o.kind === 'dispatched' && o.failures.length > 0)) return batch;
    if (o.kind === 'dispatched' && o.metrics.length > mostPerRecord) mostPerRecord = o.metrics.length;
  }
  const rows = StoredRows.of(dispatchedMetrics(batch.outcomes));
  return {
    ...batch,
    outcomes: batch.outcomes.map((o) => (o.kind === 'dispatched' ? { ...o, metrics: [] } : o)),
    encoded: { ...batch.encoded, eventsLeftOut: { rows, mostPerRecord } },
  };
}
