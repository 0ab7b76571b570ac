// The few statistics the benches print (event-bus's and search-sync's), defined once so that every bench's
// "median" and "p99" mean the same thing. No imports: a bench that needs no stack can use it.

/** The nearest-rank `p`-th percentile (0 < p ≤ 100) of values already sorted in ascending order. */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The nearest-rank `p`-th percentile of `xs` (left unsorted). */
export function percentile(xs: ArrayLike<number>, p: number): number {
  return nearestRank(Float64Array.from(xs).sort(), p);
}

/** The middle value of `xs` (left unsorted); with an even count, the mean of the two middle values. */
export function median(xs: ArrayLike<number>): number {
  const sorted = Float64Array.from(xs).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
