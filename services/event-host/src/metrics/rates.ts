/** A running total at one moment (epoch ms). */
export interface TotalAt {
  t: number;
  total: number;
}

/** The window every "changes/s" of the host uses: the status page, `/status.json` and `npm start`. */
export const RATE_WINDOW_SECONDS = 10;

/**
 * Changes per second over the last `windowSeconds`: the growth of a running total between the newest point
 * and the oldest one inside the window (the one just before it when the window holds only the newest),
 * rounded to 0.1. One function, so that every place that shows a rate shows the same number.
 */
export function changesPerSecond(points: readonly TotalAt[], windowSeconds = RATE_WINDOW_SECONDS): number {
  const last = points[points.length - 1];
  if (!last || points.length < 2) return 0;
  const from = last.t - windowSeconds * 1000;
  let i = points.length - 2;
  while (i > 0 && points[i - 1]!.t >= from) i--;
  const base = points[i]!;
  const seconds = (last.t - base.t) / 1000;
  if (seconds <= 0 || last.total < base.total) return 0;
  return Math.round(((last.total - base.total) / seconds) * 10) / 10;
}
