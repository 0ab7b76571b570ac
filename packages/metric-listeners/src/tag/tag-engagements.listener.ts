import { engagementsListener } from '../counting/engagements.js';

/** TagEngagement rows → the tag's followerCount (Follow) or hiddenCount (Hide); Allow counts for nothing. */
export const tagEngagements = engagementsListener({
  id: 'tag.engagements',
  table: 'TagEngagement',
  entity: 'Tag',
  columns: [{ column: 'tagId', metrics: { Hide: 'hiddenCount', Follow: 'followerCount' } }],
});
