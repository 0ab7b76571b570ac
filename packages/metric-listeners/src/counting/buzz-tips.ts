import type { RowReader } from '@engagement/plugin-api';
import { defineMetricListener } from './define-metric-listener.js';
import type { Contribution, EntityType } from './metric-move.js';
import { tipsTruth } from './truth-sql.js';

/** The two metrics a tip moves: how many tips, and how much buzz. */
const TIP_METRICS: readonly string[] = ['tippedCount', 'tippedAmountCount'];

/** BuzzTip rows whose `entityType` is one of `entities` → that entity's tippedCount and tippedAmountCount. */
export function buzzTipsListener(id: string, entities: readonly EntityType[]) {
  return defineMetricListener({
    id,
    table: 'BuzzTip',
    ops: ['c', 'u', 'd'],
    moves: entities.map((entity) => ({
      entity,
      metrics: TIP_METRICS,
      note: `tips with entityType ${entity}`,
    })),
    truth: entities.map(tipsTruth),
    count(r) {
      const tipped = tippedEntity(r);
      const entity = entities.find((e) => e === tipped?.type);
      return tipped && entity ? tipContributions(entity, tipped.id, r) : [];
    },
  });
}

/** A BuzzTip row's tipped entity, when it names one (tips to a user only have none). */
function tippedEntity(r: RowReader): { type: string; id: number } | null {
  return r.isNull('entityId') ? null : { type: r.string('entityType'), id: r.int('entityId') };
}

/** What one tip contributes to an entity: one tip and its amount. */
function tipContributions(entityType: EntityType, entityId: number, r: RowReader): Contribution[] {
  const userId = r.int('fromUserId');
  return [
    { entityType, entityId, metricType: 'tippedCount', value: 1, userId },
    { entityType, entityId, metricType: 'tippedAmountCount', value: r.int('amount'), userId },
  ];
}
