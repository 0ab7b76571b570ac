// Source rows the listener tests feed in, as Debezium sends them: every column a listener reads, with the
// ones a test is about given by the test and the rest fixed (visible, made by user 3 at CREATED_AT), and
// the text and time columns an edit changes (content, note, details, updatedAt), which count for nothing.
import { CREATED_AT } from './app-world.js';

/** A visible CommentV2 row on `threadId`. */
export const commentRow = (threadId: number) => ({
  id: 1,
  content: 'nice',
  threadId,
  userId: 3,
  hidden: false,
  tosViolation: false,
  createdAt: CREATED_AT,
  updatedAt: CREATED_AT,
});

/** A CollectionItem row in `collectionId` of the one entity `target` names, e.g. `{ imageId: 7 }`. */
export const collectionItemRow = (collectionId: number, target: Record<string, number>) => ({
  id: 1,
  collectionId,
  addedById: 3,
  modelId: null,
  modelVersionId: null,
  imageId: null,
  postId: null,
  articleId: null,
  note: null,
  createdAt: CREATED_AT,
  updatedAt: CREATED_AT,
  ...target,
});

/** A BuzzTip row of `amount` on `entityType` `entityId` (to user 2, whom no metric counts). */
export const tipRow = (entityType: string, entityId: number, amount: number) => ({
  id: 1,
  entityType,
  entityId,
  fromUserId: 3,
  toUserId: 2,
  amount,
  createdAt: CREATED_AT,
});

/** A visible, recommending ResourceReview row of version 30 of model 20 with `rating`. */
export const reviewRow = (rating: number) => ({
  id: 1,
  modelId: 20,
  modelVersionId: 30,
  userId: 3,
  rating,
  recommended: true,
  details: null,
  exclude: false,
  tosViolation: false,
  createdAt: CREATED_AT,
  updatedAt: CREATED_AT,
});

/** Each reaction kind and the metric it counts as. */
export const REACTION_METRICS = [
  ['Like', 'likeCount'],
  ['Dislike', 'dislikeCount'],
  ['Laugh', 'laughCount'],
  ['Cry', 'cryCount'],
  ['Heart', 'heartCount'],
] as const;
