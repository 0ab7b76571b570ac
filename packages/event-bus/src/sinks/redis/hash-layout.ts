import { type MetricTimeframe, TIMEFRAME_DAYS } from '../clickhouse/timeframes.js';

/**
 * What a cached metric hash holds besides metric fields. Fields starting with `~` are bookkeeping the
 * reader writes at fill time and the increment script reads; they are never metrics.
 */
export const HASH_META_PREFIX = '~';
/** Epoch ms the hash was filled at; windowed fields count events created at or after `~at − window`. */
export const FILL_TIME_FIELD = '~at';
/** `~hw:<origin>`: the highest `originSeq` of that origin the fill already counted. */
export const HIGH_WATER_PREFIX = '~hw:';
/**
 * `~next:<topic>:<partition>` in the watermark hash: the metric-topic offset to read after the batches the
 * cache applied, written by the same script as their increments and watermarks, so a Redis that loses
 * writes loses this position with them. Kafka topic names cannot contain `~`: it never names an origin.
 */
export const nextOffsetField = (topic: string, partition: number): string =>
  `${HASH_META_PREFIX}next:${topic}:${partition}`;

/** Field of a metric over a windowed timeframe: `<field>:<timeframe>`; 'all' is the bare field. */
export function timeframeField(field: string, timeframe: MetricTimeframe): string {
  return timeframe === 'all' ? field : `${field}:${timeframe}`;
}

/** Splits a hash field into its metric field and timeframe; `null` for bookkeeping fields. */
export function parseTimeframeField(name: string): { field: string; timeframe: MetricTimeframe } | null {
  if (name.startsWith(HASH_META_PREFIX)) return null;
  const colon = name.lastIndexOf(':');
  const suffix = colon < 0 ? '' : name.slice(colon + 1);
  if (suffix in TIMEFRAME_DAYS) return { field: name.slice(0, colon), timeframe: suffix as MetricTimeframe };
  return { field: name, timeframe: 'all' };
}

/** While a fill of `key` is in flight, this key holds the filler's token (with a TTL). */
export const fillMarkerKey = (key: string): string => `${key}:fill`;
/**
 * Every event the increment script applied for the entity of `key` (whether or not the hash exists) that
 * ClickHouse may not hold yet: events reach Redis before the ClickHouse flush, so a fill's commit replays the
 * entries its query could not count. Trimmed once ClickHouse holds them (see `TRIM_RECENT_LUA`).
 */
export const recentKey = (key: string): string => `${key}:recent`;
/**
 * One entry of a recent list: origin, originSeq, field, createdAt ms and delta, tab-separated (origins and
 * fields hold no tab). Read by the increment and fill scripts and by the drift check.
 */
export const recentEntry = (
  origin: string,
  seq: number,
  field: string,
  createdMs: number,
  delta: number,
): string => `${origin}\t${seq}\t${field}\t${createdMs}\t${delta}`;
/**
 * `~ch:<origin>` in the watermark hash: ClickHouse holds every event of that origin up to this `originSeq`
 * (written after each insert). The drift check compares a hash with ClickHouse up to here and with the
 * recent entries above it.
 */
export const storedField = (origin: string): string => `${HASH_META_PREFIX}ch:${origin}`;
