import { buzzTipsListener } from '../counting/buzz-tips.js';

/** BuzzTip rows on an image → its tippedCount and tippedAmountCount. */
export const imageTips = buzzTipsListener('image.tips', ['Image']);
