import type { EntityMetricEvent } from '@engagement/plugin-api';
import { metricEventJson } from '../metrics/metric-event-row.js';
import { encodeMetricMessages, type MetricMessage } from '../metrics/metric-message.js';
import type { RecordOutcome } from './record-processor.js';

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
