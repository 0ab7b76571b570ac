/** Reaction kinds as the app's `ReviewReactions` enum spells them, and the metric each one moves. */
export const REACTION_METRICS: Readonly<Record<string, string>> = {
  Like: 'likeCount',
  Dislike: 'dislikeCount',
  Laugh: 'laughCount',
  Cry: 'cryCount',
  Heart: 'heartCount',
};
