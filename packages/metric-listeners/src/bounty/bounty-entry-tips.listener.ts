import { buzzTipsListener } from '../counting/buzz-tips.js';

/** BuzzTip rows on a bounty entry → its tippedCount and tippedAmountCount. */
export const bountyEntryTips = buzzTipsListener('bounty.entry-tips', ['BountyEntry']);
