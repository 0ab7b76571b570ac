/** The periods metrics are read over: rolling windows ending now, or everything. */
export type MetricTimeframe = 'day' | 'week' | 'month' | 'year' | 'all';

/** Every timeframe, shortest first. */
export const METRIC_TIMEFRAMES: readonly MetricTimeframe[] = ['day', 'week', 'month', 'year', 'all'];

/** Length of each windowed timeframe in days ('all' has no window). */
export const TIMEFRAME_DAYS: Readonly<Record<Exclude<MetricTimeframe, 'all'>, number>> = {
  day: 1,
  week: 7,
  month: 30,
  year: 365,
};

const DAY_MS = 86_400_000;

/** Start (epoch ms, inclusive) of a timeframe's window ending at `nowMs`; `null` for 'all'. */
export function windowStartMs(timeframe: MetricTimeframe, nowMs: number): number | null {
  return timeframe === 'all' ? null : nowMs - TIMEFRAME_DAYS[timeframe] * DAY_MS;
}

/** Start (epoch ms) of the UTC calendar month that holds `ms`; `months` later with `months`. */
export function startOfMonthMs(ms: number, months = 0): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
}

/** True for a known timeframe name. */
export function isMetricTimeframe(value: string): value is MetricTimeframe {
  return (METRIC_TIMEFRAMES as readonly string[]).includes(value);
}
