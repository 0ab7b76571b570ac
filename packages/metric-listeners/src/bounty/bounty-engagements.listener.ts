import { engagementsListener } from '../counting/engagements.js';

/** BountyEngagement rows → the bounty's favoriteCount (Favorite) or trackCount (Track). */
export const bountyEngagements = engagementsListener({
  id: 'bounty.engagements',
  table: 'BountyEngagement',
  entity: 'Bounty',
  columns: [{ column: 'bountyId', metrics: { Favorite: 'favoriteCount', Track: 'trackCount' } }],
});
