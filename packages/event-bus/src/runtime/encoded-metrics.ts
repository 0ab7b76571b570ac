import type { EntityMetricEvent } from '@engagement/plugin-api';
import { metricEventJson } from '../metrics/metric-event-row.js';
import { encodeMetricMessages, type MetricMessage } from '../metrics/metric-message.js';
import { StoredRows } from '../metrics/stored-rows.js';
import type { BatchOutcome, RecordOutcome } from './record-processor.js';

/**
 * A batch's metric events as the sinks send them: each event's table row as one JSONEachRow line (the text
 * of the ClickHouse insert) and the metric-topic messages made of those lines. Pool threads build it next to
 * the listeners, so the main thread forwards text instead of serialising; the bytes are the ones it would
 * make itself (the same functions over the same events in the same order).
 */
export interface EncodedMetrics {
  /** `metricEventJson` of each dispatched metric event, in outcome order. */
  json: string[];
  /** `encodeMetricMessages` of the same events, built from `json`. */
  messages: MetricMessage[];
  /**
   * Set when the event objects were left out of the batch's outcomes (each dispatched outcome's `metrics` is
   * then empty and `json` stands for them): what the ingest stage needs of them besides their text.
   */
  eventsLeftOut?: LeftOutEvents;
}

/** What the ingest stage needs of a batch's events when it gets their text only (see `leaveOutEvents`). */
export interface LeftOutEvents {
  /** The events' `StoredRows`. */
  rows: StoredRows;
  /** The most events one record of the batch made. */
  mostPerRecord: number;
  /**
   * `json` as JSONEachRow bytes (`toJsonLines`), in a buffer of their own: the ingest stage copies them into its
   * buffer instead of joining and encoding the text on the main thread.
   */
  lines: Uint8Array;
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
  return { json, messages: encodeMetricMessages(events, {}, json) };
}

/**
 * The batch without its event objects, for a pool thread to send back: receiving them (a structured clone of
 * every object and its `Date`) was ~6.6 of the ~8 µs per change the main thread spent receiving a batch
 * (docs/performance.md, "Session of 2026-12-04, morning"). Only a batch in which no record was invalid and no
 * listener failed: the ingest stage buffers such a batch in one step, so it needs no event of it one by one.
 * Others are returned as they are.
 */
export function leaveOutEvents(batch: BatchOutcome & { encoded: EncodedMetrics }): BatchOutcome {
  let mostPerRecord = 0;
  for (const o of batch.outcomes) {
    if (o.kind === 'invalid' || (o.kind === 'dispatched' && o.failures.length > 0)) return batch;
    if (o.kind === 'dispatched' && o.metrics.length > mostPerRecord) mostPerRecord = o.metrics.length;
  }
  const rows = StoredRows.of(dispatchedMetrics(batch.outcomes));
  // A structured clone copies a view's whole ArrayBuffer: TextEncoder gives one of exactly the bytes.
  const lines = new TextEncoder().encode(`${batch.encoded.json.join('\n')}\n`);
  return {
    ...batch,
    outcomes: batch.outcomes.map((o) => (o.kind === 'dispatched' ? { ...o, metrics: [] } : o)),
    encoded: { ...batch.encoded, eventsLeftOut: { rows, mostPerRecord, lines } },
  };
}
