import { createHash } from 'node:crypto';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import type { Difference } from './compare.js';

/** The origin of a repair run's corrections: one origin per run, so its positions start afresh. */
export const repairOrigin = (run: string) => `repair:${run}`;

/**
 * Compensating events for differences found against one snapshot: per group, `truth − stored`, dated by the
 * group's `createdAt` (so every window moves like the lost events would have). Ids are a hash of the
 * snapshot and the group, so a retried insert of the same corrections collapses in ClickHouse (FINAL)
 * instead of doubling. No source transaction: corrections count in every later snapshot. Positions are the
 * order of insertion, which is what the cache's per-origin watermark and the fill's high water need.
 */
export function correctionsFor(
  differences: readonly Difference[],
  snapshotText: string,
  origin: string,
  firstSeq = 0,
): EntityMetricEvent[] {
  return differences.map((d, i) => ({
    eventId: createHash('sha256')
      .update(
        ['repair', snapshotText, d.entityType, d.entityId, d.metric, d.createdAtMs, d.truth - d.stored].join(
          '\u0000',
        ),
      )
      .digest('hex')
      .slice(0, 32),
    entityType: d.entityType,
    entityId: d.entityId,
    userId: 0,
    metricType: d.metric,
    metricValue: d.truth - d.stored,
    createdAt: new Date(d.createdAtMs),
    origin,
    originSeq: firstSeq + i,
  }));
}
