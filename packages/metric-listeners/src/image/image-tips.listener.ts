import { TIP_METRICS, tipContributions, tippedEntity } from '../counting/buzz-tips.js';
import { defineMetricListener } from '../counting/define-metric-listener.js';
import { tipsTruth } from '../counting/truth-sql.js';

/** BuzzTip rows on an image → its tippedCount and tippedAmountCount. */
export const imageTips = defineMetricListener({
  id: 'image.tips',
  table: 'BuzzTip',
  ops: ['c', 'u', 'd'],
  moves: [{ entity: 'Image', metrics: TIP_METRICS, note: 'tips with entityType Image' }],
  truth: [tipsTruth('Image')],
  count(r) {
    const tipped = tippedEntity(r);
    return tipped?.type === 'Image' ? tipContributions('Image', tipped.id, r) : [];
  },
});
