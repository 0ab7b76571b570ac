import type { Contribution } from './metric-move.js';

/** A contribution with the time it is counted at: the counted row's own creation time. */
export interface TimedContribution extends Contribution {
  createdAt: Date;
}

/**
 * The net effect of a change: what the old row contributed, taken back, plus what the new row
 * contributes. Equal shares cancel (a review edited without touching its rating emits nothing), so an
 * update moves exactly the difference. Order is first appearance, deterministic for replays.
 */
export function netContributions(
  before: readonly TimedContribution[],
  after: readonly TimedContribution[],
): TimedContribution[] {
  const net = new Map<string, TimedContribution>();
  const add = (c: TimedContribution, sign: 1 | -1) => {
    const key = `${c.entityType}\u0000${c.entityId}\u0000${c.metricType}\u0000${c.createdAt.getTime()}`;
    const seen = net.get(key);
    if (seen) {
      seen.value += sign * c.value;
      if (sign === 1 && c.userId !== undefined) seen.userId = c.userId;
    } else net.set(key, { ...c, value: sign * c.value });
  };
  for (const c of before) add(c, -1);
  for (const c of after) add(c, 1);
  return [...net.values()].filter((c) => c.value !== 0);
}
