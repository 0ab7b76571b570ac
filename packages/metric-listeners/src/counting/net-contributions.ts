import type { Contribution } from './metric-move.js';

/** A contribution with the time it is counted at: the counted row's own creation time. */
export interface TimedContribution extends Contribution {
  createdAt: Date;
}

/**
 * `c` with the given value and time, built as one object literal: `{ ...c, createdAt }` would give every
 * object its own hidden class on Node 20, so each one and every later read of it would be several times
 * slower (docs/writing-a-listener.md, "Rules that keep it fast").
 */
export function timed(c: Contribution, value: number, createdAt: Date): TimedContribution {
  return {
    entityType: c.entityType,
    entityId: c.entityId,
    metricType: c.metricType,
    value,
    userId: c.userId,
    createdAt,
  };
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
    } else net.set(key, timed(c, sign * c.value, c.createdAt));
  };
  for (const c of before) add(c, -1);
  for (const c of after) add(c, 1);
  return [...net.values()].filter((c) => c.value !== 0);
}
