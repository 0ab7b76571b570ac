import type { MetricTimeframe, MetricTotals } from '@engagement/event-bus/sinks/clickhouse';

/** Names the document field of one metric in one timeframe. */
export type MetricFieldName = (metric: string, timeframe: MetricTimeframe) => string;

const SUFFIX: Record<MetricTimeframe, string> = {
  day: 'Day',
  week: 'Week',
  month: 'Month',
  year: 'Year',
  all: 'AllTime',
};

/** `likeCount` + `week` → `likeCountWeek`; `all` → `likeCountAllTime`. Flat fields, so partial updates merge per field. */
export const defaultMetricFieldName: MetricFieldName = (metric, timeframe) => `${metric}${SUFFIX[timeframe]}`;

/**
 * Averages stored as a sum and a count (project rule: ratings are `ratingSum` and `ratingCount`); the
 * average is computed here, per timeframe, and sent as its own field. 0 when the count is 0.
 */
export const DEFAULT_RATIOS: Readonly<Record<string, readonly [sum: string, count: string]>> = {
  rating: ['ratingSum', 'ratingCount'],
};

export interface MetricFieldOptions {
  timeframes: readonly MetricTimeframe[];
  fieldName?: MetricFieldName;
  ratios?: Readonly<Record<string, readonly [string, string]>>;
}

/** The metric fields of one document: every metric and ratio, per timeframe. Nothing else. */
export function metricFields(totals: MetricTotals, options: MetricFieldOptions): Record<string, number> {
  const name = options.fieldName ?? defaultMetricFieldName;
  const out: Record<string, number> = {};
  for (const [metric, byTimeframe] of Object.entries(totals.totals)) {
    for (const tf of options.timeframes) out[name(metric, tf)] = byTimeframe[tf] ?? 0;
  }
  for (const [ratio, [sum, count]] of Object.entries(options.ratios ?? DEFAULT_RATIOS)) {
    const sums = totals.totals[sum];
    const counts = totals.totals[count];
    if (!sums || !counts) continue;
    for (const tf of options.timeframes) {
      const n = counts[tf] ?? 0;
      out[name(ratio, tf)] = n === 0 ? 0 : (sums[tf] ?? 0) / n;
    }
  }
  return out;
}

/** The field names a set of metric types produces, e.g. to declare them sortable. */
export function metricFieldNames(metricTypes: readonly string[], options: MetricFieldOptions): string[] {
  const name = options.fieldName ?? defaultMetricFieldName;
  const names = metricTypes.flatMap((m) => options.timeframes.map((tf) => name(m, tf)));
  for (const [ratio, [sum, count]] of Object.entries(options.ratios ?? DEFAULT_RATIOS)) {
    if (metricTypes.includes(sum) && metricTypes.includes(count)) {
      names.push(...options.timeframes.map((tf) => name(ratio, tf)));
    }
  }
  return names;
}
