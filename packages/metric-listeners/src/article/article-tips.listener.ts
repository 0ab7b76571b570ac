import { buzzTipsListener } from '../counting/buzz-tips.js';

/** BuzzTip rows on an article → its tippedCount and tippedAmountCount. */
export const articleTips = buzzTipsListener('article.tips', ['Article']);
