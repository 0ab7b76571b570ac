import { TIP_METRICS, tipContributions, tippedEntity } from '../counting/buzz-tips.js';
import { defineMetricListener } from '../counting/define-metric-listener.js';
import { tipsTruth } from '../counting/truth-sql.js';

/** BuzzTip rows on an article → its tippedCount and tippedAmountCount. */
export const articleTips = defineMetricListener({
  id: 'article.tips',
  table: 'BuzzTip',
  ops: ['c', 'u', 'd'],
  moves: [{ entity: 'Article', metrics: TIP_METRICS, note: 'tips with entityType Article' }],
  truth: [tipsTruth('Article')],
  count(r) {
    const tipped = tippedEntity(r);
    return tipped?.type === 'Article' ? tipContributions('Article', tipped.id, r) : [];
  },
});
