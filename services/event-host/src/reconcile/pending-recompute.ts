import { parseTouchMember } from '@engagement/event-bus';
import type { RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import { type CatchUp, waitForCatchUp } from './catch-up.js';
import type { Difference } from './compare.js';
import type { ReconcileReport } from './reconcile-options.js';
import type { RoundOptions, RoundResult } from './round.js';

/**
 * The (entity, metric) pairs of these entity types that wait in the touch queue, read once the stream has
 * stored everything committed before now (so every touch of a change a compared snapshot saw, and of a move
 * processed before the comparison, is queued). Those metrics are in flight: the recomputer will recount them
 * (docs/architecture.md, point 10). Undefined when the stream is not caught up in time.
 */
export async function pendingRecompute(
  options: RoundOptions,
  queue: RedisTouchQueue,
  entityTypes: readonly string[],
): Promise<{ pending: Set<string>; catchUp: CatchUp } | undefined> {
  const { rows } = await options.postgres.query<{ lsn: string }>(
    'SELECT pg_current_wal_insert_lsn()::text AS lsn',
  );
  const catchUp = await waitForCatchUp({
    postgres: options.postgres,
    slot: options.slot,
    walLsn: rows[0]!.lsn,
    admin: options.admin,
    groupId: options.groupId,
    topics: options.sourceTopics,
    timeoutMs: options.waitMs,
  });
  if (!catchUp.caughtUp) return undefined;
  const pending = new Set<string>();
  for (const type of entityTypes) {
    for (const member of await queue.members(type)) {
      const { entityId, metrics } = parseTouchMember(member);
      for (const metric of metrics ?? ['*']) pending.add(`${type}:${entityId}:${metric}`);
    }
  }
  return { pending, catchUp };
}

/** Whether a difference is of a metric that waits for recompute (see `pendingRecompute`). */
export const waitsForRecompute = (pending: ReadonlySet<string>, d: Difference): boolean =>
  pending.has(`${d.entityType}:${d.entityId}:${d.metric}`) || pending.has(`${d.entityType}:${d.entityId}:*`);

/**
 * Drops the differences of metrics that wait for recompute (in flight) and their entities from the findings,
 * keeps them in `report.inFlight`, and counts their groups as agreeing in the coverage.
 */
export function leaveOutPending(
  result: Extract<RoundResult, { caughtUp: true }>,
  pending: ReadonlySet<string>,
  report: ReconcileReport,
): void {
  const left = new Set<string>();
  const findings = new Map(result.findings.map((f) => [`${f.entityType}:${f.metric}`, f]));
  for (const d of result.differences) {
    const kept = d.differences.filter((x) => !waitsForRecompute(pending, x));
    for (const x of d.differences) {
      if (kept.includes(x)) continue;
      left.add(`${x.entityType}:${x.metric}:${x.entityId}`);
      // Nor do they move the coverage: in flight is neither missing nor extra (counted as agreeing).
      const f = findings.get(`${x.entityType}:${x.metric}`);
      if (f) f.stored += x.truth - x.stored;
    }
    for (const x of d.differences) if (!kept.includes(x)) report.inFlight.push(x);
    report.waitingForRecompute += d.differences.length - kept.length;
    d.differences = kept;
  }
  for (const f of result.findings)
    for (const id of [...f.off]) if (left.has(`${f.entityType}:${f.metric}:${id}`)) f.off.delete(id);
}
