import { definePlugin } from '@engagement/plugin-api';
import { bountyBenefactors } from './bounty-benefactors.listener.js';
import { bountyComments } from './bounty-comments.listener.js';
import { bountyEngagements } from './bounty-engagements.listener.js';
import { bountyEntries } from './bounty-entries.listener.js';
import { bountyEntryReactions } from './bounty-entry-reactions.listener.js';
import { bountyEntryTips } from './bounty-entry-tips.listener.js';

/** BountyMetric and BountyEntryMetric, owned by the bounties team. */
export const bountyMetricsPlugin = definePlugin({
  id: 'bounty-metrics',
  owner: '@team/bounties',
  listeners: [
    bountyEngagements,
    bountyEntries,
    bountyBenefactors,
    bountyComments,
    bountyEntryReactions,
    bountyEntryTips,
  ],
});
