// What users do to content, as Postgres rows: reactions, comments, collections, reviews, tips, engagements.

import type { RowShare, TrafficDraw } from './traffic-share.js';

const KINDS = ['Like', 'Like', 'Like', 'Heart', 'Laugh', 'Cry', 'Dislike'];

const anyKind = (d: TrafficDraw) => KINDS[Math.floor(d.rand() * KINDS.length)]!;

type Ids = (d: TrafficDraw) => readonly number[];

/** A user's reaction to the entity `column` names, of the kind `kind` picks (mostly likes). */
const reactions = (table: string, column: string, ids: Ids, kind = anyKind): RowShare => ({
  table,
  row: (d) => ({
    id: d.nextId(),
    [column]: d.skewed(ids(d)),
    userId: d.user(),
    reaction: kind(d),
    createdAt: d.at(),
  }),
});

/** A user's engagement with the entity `column` names: `first` with the given odds, else `second`. */
const engagements = (
  table: string,
  column: string,
  ids: Ids,
  [first, odds, second]: readonly [string, number, string],
): RowShare => ({
  table,
  row: (d) => ({
    userId: d.user(),
    [column]: d.skewed(ids(d)),
    type: d.rand() < odds ? first : second,
    createdAt: d.at(),
  }),
});

/** Reactions on images; a later update flips the kind. */
export const imageReactions: RowShare = {
  ...reactions('ImageReaction', 'imageId', (d) => d.ids.images),
  update: (r) => ({ ...r, reaction: r.reaction === 'Heart' ? 'Like' : 'Heart' }),
};

/** Comments on image and post threads; a later update hides or shows one. */
export const threadComments: RowShare = {
  table: 'CommentV2',
  row: (d) => ({
    id: d.nextId(),
    threadId: d.skewed(d.ids.threads),
    userId: d.user(),
    hidden: false,
    tosViolation: false,
    createdAt: d.at(),
  }),
  update: (r) => ({ ...r, hidden: !r.hidden }),
};

/** Collection items naming an image, a model or an article. */
export const collectionItems: RowShare = {
  table: 'CollectionItem',
  row(d) {
    const target =
      d.rand() < 0.5
        ? { imageId: d.skewed(d.ids.images) }
        : d.rand() < 0.6
          ? { modelId: d.world.versions.get(d.skewed(d.ids.versions))!.modelId }
          : { articleId: d.skewed(d.world.articles) };
    const none = { modelId: null, modelVersionId: null, imageId: null, postId: null, articleId: null };
    return {
      id: d.nextId(),
      collectionId: d.skewed(d.ids.collections),
      addedById: d.user(),
      ...none,
      ...target,
      createdAt: d.at(),
    };
  },
};

/** Reviews of a model version; a later update changes the rating. */
export const resourceReviews: RowShare = {
  table: 'ResourceReview',
  row(d) {
    const versionId = d.skewed(d.ids.versions);
    return {
      id: d.nextId(),
      modelId: d.world.versions.get(versionId)!.modelId,
      modelVersionId: versionId,
      userId: d.user(),
      rating: 1 + Math.floor(d.rand() * 5),
      recommended: d.rand() < 0.85,
      exclude: false,
      tosViolation: false,
      createdAt: d.at(),
    };
  },
  update: (r) => ({ ...r, rating: 1 + ((Number(r.rating) + 1) % 5), recommended: !r.recommended }),
};

/** Tips on images, models and articles. */
export const buzzTips: RowShare = {
  table: 'BuzzTip',
  row(d) {
    const [entityType, ids] =
      d.rand() < 0.6
        ? ['Image', d.ids.images]
        : d.rand() < 0.5
          ? ['Model', d.ids.models]
          : ['Article', d.world.articles];
    return {
      id: d.nextId(),
      entityType,
      entityId: d.skewed(ids),
      fromUserId: d.user(),
      toUserId: d.user(),
      amount: 1 + Math.floor(d.rand() * 500),
      createdAt: d.at(),
    };
  },
};

/** Follows and hides between users; a later update switches the kind. */
export const userEngagements: RowShare = {
  ...engagements('UserEngagement', 'targetUserId', (d) => d.world.users, ['Follow', 0.85, 'Hide']),
  update: (r) => ({ ...r, type: r.type === 'Follow' ? 'Hide' : 'Follow' }),
};

/** Tag follows and hides. */
export const tagEngagements = engagements('TagEngagement', 'tagId', (d) => d.world.tags, [
  'Follow',
  0.7,
  'Hide',
]);

/** Reactions on articles. */
export const articleReactions = reactions('ArticleReaction', 'articleId', (d) => d.world.articles);

/** Article hides and favorites. */
export const articleEngagements = engagements('ArticleEngagement', 'articleId', (d) => d.world.articles, [
  'Hide',
  0.5,
  'Favorite',
]);

/** Bounty tracks and favorites. */
export const bountyEngagements = engagements('BountyEngagement', 'bountyId', (d) => d.world.bounties, [
  'Track',
  0.5,
  'Favorite',
]);

/** Likes of bounty entries. */
export const bountyEntryReactions = reactions(
  'BountyEntryReaction',
  'bountyEntryId',
  (d) => d.world.entries,
  () => 'Like',
);

/** Comments (v1) on models. */
export const modelComments: RowShare = {
  table: 'Comment',
  row: (d) => ({
    id: d.nextId(),
    userId: d.user(),
    modelId: d.skewed(d.ids.models),
    modelVersionId: null,
    hidden: false,
    tosViolation: false,
    createdAt: d.at(),
  }),
};

/** Collection followers, some of them contributors. */
export const collectionContributors: RowShare = {
  table: 'CollectionContributor',
  row: (d) => ({
    collectionId: d.skewed(d.ids.collections),
    userId: d.user(),
    permissions: d.rand() < 0.8 ? ['VIEW'] : ['VIEW', 'ADD'],
    createdAt: d.at(),
  }),
};
