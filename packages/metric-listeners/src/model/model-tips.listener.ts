import { buzzTipsListener } from '../counting/buzz-tips.js';

/** BuzzTip rows on a model or on a version → that entity's tippedCount and tippedAmountCount. */
export const modelTips = buzzTipsListener('model.tips', ['Model', 'ModelVersion']);
