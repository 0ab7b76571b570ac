import type { RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import { coverageOf, type Difference } from './compare.js';
import { reconcile } from './reconcile.js';
import type { ReconcileOptions, ReconcileReport } from './reconcile-options.js';

export interface RecheckOptions {
  /** Comparisons after the first, at most; each takes only what the one before left out. */
  rounds: number;
  /** How long each waits for the recomputer to take those entities before it compares them anyway. */
  waitMs: number;
  /** Between two looks at the touch queue (default 1 s). */
  pollMs?: number;
}

/**
 * `reconcile`, and then, while it left groups out as in flight (their entity waited in the touch queue),
 * waits until a recompute pass has taken those entities and compares them again. A group that differs then
 * is a difference like any other; one whose entity was touched again since is in flight again. So one run
 * also checks what it first had to leave out, except for entities that keep being touched (a busy post).
 *
 * Taken means the entity has no member in the queue first touched before the comparison ended: a pass that
 * took it removed its member, or restarted its wait (docs/architecture.md, point 10). No pass ends during a
 * comparison, which holds the repair lock.
 */
export async function reconcileWithRecheck(
  options: ReconcileOptions & { touched: RedisTouchQueue },
  recheck: RecheckOptions,
): Promise<ReconcileReport> {
  const started = performance.now();
  const report = await reconcile(options);
  for (let round = 1; round <= recheck.rounds && report.inFlight.length > 0; round++) {
    const left = report.inFlight;
    const ids = byType(left, (g) => g.entityId);
    const entities = [...ids.values()].reduce((n, l) => n + l.length, 0);
    options.onProgress?.(
      `${left.length} group(s) of ${entities} entities were left out as waiting for recompute: comparing them again once the recomputer has taken them (waiting at most ${Math.round(recheck.waitMs / 1000)} s)`,
    );
    const waitStarted = performance.now();
    const untaken = await waitUntilTaken(options.touched, ids, recheck);
    const waitedSeconds = (performance.now() - waitStarted) / 1000;
    const again = await reconcile({
      ...options,
      selection: { kind: 'ids', ids },
      entityTypes: [...ids.keys()],
      metricsByType: byType(left, (g) => g.metric),
      // Its own name, so a repair's corrections get an origin of their own.
      run: `${report.run}.${round}`,
    });
    const off = addFindings(report, again);
    report.rechecks.push({
      entities,
      groups: left.length,
      waitedSeconds,
      untaken,
      off,
      stillInFlight: again.waitingForRecompute,
    });
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/** One column of these groups by entity type, distinct and in order: their entities, or their metrics. */
function byType<T extends number | string>(groups: readonly Difference[], of: (g: Difference) => T) {
  const values = new Map<string, Set<T>>();
  for (const g of groups) values.set(g.entityType, (values.get(g.entityType) ?? new Set<T>()).add(of(g)));
  return new Map(
    [...values].map(([type, set]) => [type, [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))]),
  );
}

/**
 * Waits until no entity of `ids` has a member in the touch queue first touched at or before now (by the
 * queue's clock), or until `waitMs` passed; returns how many still had one.
 */
async function waitUntilTaken(
  queue: RedisTouchQueue,
  ids: ReadonlyMap<string, readonly number[]>,
  { waitMs, pollMs = 1_000 }: RecheckOptions,
): Promise<number> {
  const since = new Map<string, number>();
  for (const type of ids.keys()) since.set(type, await queue.now(type));
  const deadline = performance.now() + waitMs;
  for (;;) {
    let untaken = 0;
    for (const [type, list] of ids) {
      const waiting = await queue.waitingSince(type);
      for (const id of list) {
        const at = waiting.get(id);
        if (at !== undefined && at <= since.get(type)!) untaken++;
      }
    }
    if (untaken === 0 || performance.now() >= deadline) return untaken;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

const groupKey = (d: Difference) =>
  `${d.entityType}\u0000${d.entityId}\u0000${d.metric}\u0000${d.createdAtMs}`;

/**
 * Adds what a comparison of left-out groups found to the report of the run: differences (and cached fields)
 * it had not reported yet, their entities as off in their metric, repairs, and what is in flight now.
 * Returns the differences added.
 */
function addFindings(report: ReconcileReport, again: ReconcileReport): number {
  const metric = (entityType: string, name: string) =>
    report.metrics.find((m) => m.entityType === entityType && m.metric === name);
  const reported = new Set(report.differences.map(groupKey));
  const offBefore = new Set(report.differences.map((d) => `${d.entityType}:${d.entityId}:${d.metric}`));
  let added = 0;
  for (const d of again.differences) {
    if (reported.has(groupKey(d))) continue;
    report.differences.push(d);
    added++;
    const m = metric(d.entityType, d.metric);
    if (!m) continue;
    // The group was counted as agreeing when it was left out.
    m.stored += d.stored - d.truth;
    m.coverage = coverageOf(m.stored, m.truth);
    const entity = `${d.entityType}:${d.entityId}:${d.metric}`;
    if (!offBefore.has(entity)) m.off++;
    offBefore.add(entity);
  }
  const cached = new Set(report.cache.map((c) => `${c.key}\u0000${c.field}`));
  const cacheOffBefore = new Set(report.cache.map((c) => `${c.entityType}:${c.entityId}:${c.metric}`));
  for (const c of again.cache) {
    if (cached.has(`${c.key}\u0000${c.field}`)) continue;
    report.cache.push(c);
    const entity = `${c.entityType}:${c.entityId}:${c.metric}`;
    const m = metric(c.entityType, c.metric);
    if (m && !cacheOffBefore.has(entity)) m.cacheOff++;
    cacheOffBefore.add(entity);
  }
  for (const r of again.rollup) report.rollup.push(r);
  for (const n of again.notCaughtUp) report.notCaughtUp.push(n);
  for (const c of again.cacheBehind) report.cacheBehind.push(c);
  report.omitted.differences += again.omitted.differences;
  report.omitted.cache += again.omitted.cache;
  report.repaired.events += again.repaired.events;
  report.repaired.hashes += again.repaired.hashes;
  report.repaired.rollup += again.repaired.rollup;
  report.unpublished.published += again.unpublished.published;
  report.catchUpSeconds += again.catchUpSeconds;
  report.inFlight = again.inFlight;
  report.waitingForRecompute = again.waitingForRecompute;
  return added;
}
