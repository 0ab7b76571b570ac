/**
 * Metrics computed at read time from two stored sums: `rating` = ratingSum / ratingCount. Averages are never
 * stored, because increments cannot keep an average exact; sums and counts they can.
 */
export type AverageDefinitions = Readonly<Record<string, readonly [sum: string, count: string]>>;

/** The averages every reader knows unless told otherwise. */
export const defaultAverages: AverageDefinitions = { rating: ['ratingSum', 'ratingCount'] };

/** The stored metric types needed to answer `metrics` (averages replaced by their sum and count). */
export function storedMetricTypes(metrics: readonly string[], averages: AverageDefinitions): string[] {
  const stored = new Set<string>();
  for (const m of metrics) {
    const avg = definedAverage(averages, m);
    if (avg) {
      stored.add(avg[0]);
      stored.add(avg[1]);
    } else stored.add(m);
  }
  return [...stored];
}

/** An average from its stored sum and count: 0 when nothing was counted. */
export function averageOf(sum: number, count: number): number {
  return count === 0 ? 0 : sum / count;
}

/** The sum and count `metric` is the average of, if the definitions name it (their own keys only). */
export function definedAverage(
  averages: AverageDefinitions,
  metric: string,
): readonly [sum: string, count: string] | undefined {
  return Object.hasOwn(averages, metric) ? averages[metric] : undefined;
}
