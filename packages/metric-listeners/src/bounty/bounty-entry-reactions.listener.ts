import { reactionsListener } from '../counting/reactions.js';

/** BountyEntryReaction rows → the entry's per-kind count; a kind change moves one count to the other. */
export const bountyEntryReactions = reactionsListener({
  id: 'bounty.entry-reactions',
  table: 'BountyEntryReaction',
  entity: 'BountyEntry',
  column: 'bountyEntryId',
});
