import { TIP_METRICS, tipContributions, tippedEntity } from '../counting/buzz-tips.js';
import { defineMetricListener } from '../counting/define-metric-listener.js';
import { tipsTruth } from '../counting/truth-sql.js';

/** BuzzTip rows on a model or on a version → that entity's tippedCount and tippedAmountCount. */
export const modelTips = defineMetricListener({
  id: 'model.tips',
  table: 'BuzzTip',
  ops: ['c', 'u', 'd'],
  moves: [
    { entity: 'Model', metrics: TIP_METRICS, note: 'tips with entityType Model' },
    { entity: 'ModelVersion', metrics: TIP_METRICS, note: 'tips with entityType ModelVersion' },
  ],
  truth: [tipsTruth('Model'), tipsTruth('ModelVersion')],
  count(r) {
    const tipped = tippedEntity(r);
    if (tipped?.type === 'Model' || tipped?.type === 'ModelVersion') {
      return tipContributions(tipped.type, tipped.id, r);
    }
    return [];
  },
});
