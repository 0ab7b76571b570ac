import type { RowReader } from '@engagement/plugin-api';
import type { Contribution, EntityType } from './metric-move.js';

/** The two metrics a tip moves: how many tips, and how much buzz. */
export const TIP_METRICS: readonly string[] = ['tippedCount', 'tippedAmountCount'];

/** A BuzzTip row's tipped entity, when it names one (tips to a user only have none). */
export function tippedEntity(r: RowReader): { type: string; id: number } | null {
  return r.isNull('entityId') ? null : { type: r.string('entityType'), id: r.int('entityId') };
}

/** What one tip contributes to an entity: one tip and its amount. */
export function tipContributions(entityType: EntityType, entityId: number, r: RowReader): Contribution[] {
  const userId = r.int('fromUserId');
  return [
    { entityType, entityId, metricType: 'tippedCount', value: 1, userId },
    { entityType, entityId, metricType: 'tippedAmountCount', value: r.int('amount'), userId },
  ];
}
