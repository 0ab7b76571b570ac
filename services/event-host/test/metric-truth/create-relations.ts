// Phase one, second part: comment threads, collections, tips, tags, engagements between users and the
// ClickHouse source rows, on the users and content the first part created.
import {
  buzzResourceCompensation,
  type ClickHouseRowPublisher,
  modelVersionEvents,
  orchestrationJobs,
} from '@engagement/app-db/clickhouse';
import { type AddRow, ago, DAY, eightUsers, idOf as id, type Row, type RunWorld } from './run-world.js';

/** Adds the relations of phase one to `w`; returns the ClickHouse rows it published. */
export async function createRelations(
  add: AddRow,
  publisher: ClickHouseRowPublisher,
  w: RunWorld,
  tag: string,
): Promise<number> {
  const [u0, u1, u2, u3, u4, u5, u6, u7] = eightUsers(w);
  const [m0, m1] = w.models as [number, number];
  const [v0, v1, v2] = w.versions as [number, number, number];
  const [p0, p1] = w.posts as [number, number];
  const [i0, i1, i2, i3] = w.images as [number, number, number, number];
  const [a0] = w.articles as [number];
  const [b0] = w.bounties as [number];
  const [e0] = w.entries as [number];
  // v2 comment threads on a post, an image, an article, a bounty, an entry and a review.
  const thread = async (column: string, target: number) => id(await add('Thread', { [column]: target }));
  const tp0 = await thread('postId', p0);
  const tp1 = await thread('postId', p1);
  const ti0 = await thread('imageId', i0);
  const ta0 = await thread('articleId', a0);
  const tb0 = await thread('bountyId', b0);
  const te0 = await thread('bountyEntryId', e0);
  const tr0 = await thread('reviewId', w.rows.rv0!.id as number);
  const comment = (threadId: number, userId: number, extra: Row = {}) =>
    add('CommentV2', { threadId, userId, content: 'c', ...extra });
  w.rows.cv0 = await comment(tp0, u1);
  w.rows.cv1 = await comment(tp0, u2, { createdAt: ago(3 * DAY) });
  await comment(tp1, u3);
  await comment(ti0, u4, { createdAt: ago(10 * DAY) });
  w.rows.cv4 = await comment(ti0, u5);
  await comment(ta0, u6);
  await comment(tb0, u7);
  await comment(te0, u2);
  await comment(tr0, u3);
  await comment(tp0, u4, { hidden: true });
  // A reply thread under a post comment counts for no entity.
  const reply = await thread('commentId', w.rows.cv0.id as number);
  await comment(reply, u5);

  // Collections: a bookmark collection (favorites), a plain one and a contest one.
  const col0 = id(
    await add('Collection', { name: `${tag} favs`, userId: u2, mode: 'Bookmark', type: 'Model' }),
  );
  const col1 = id(await add('Collection', { name: `${tag} mix`, userId: u3 }));
  const col2 = id(
    await add('Collection', { name: `${tag} contest`, userId: u4, mode: 'Contest', type: 'Image' }),
  );
  w.collections.push(col0, col1, col2);
  const item = (collectionId: number, target: Row, at = 0) =>
    add('CollectionItem', { collectionId, addedById: u2, ...target, createdAt: ago(at) });
  w.rows.ci0 = await item(col0, { modelId: m0, modelVersionId: v0 });
  await item(col0, { articleId: a0 }, 3 * DAY);
  await item(col0, { imageId: i1 });
  w.rows.ci3 = await item(col1, { modelId: m0, modelVersionId: v0 }, 10 * DAY);
  await item(col1, { modelId: m1 });
  await item(col1, { postId: p0 });
  await item(col1, { articleId: a0 });
  await item(col1, { imageId: i0 });
  await item(col2, { imageId: i0 });
  await item(col2, { imageId: i2 });
  const contributor = (collectionId: number, userId: number, permissions: string[]) =>
    add('CollectionContributor', { collectionId, userId, permissions });
  w.rows.cc0 = await contributor(col1, u4, ['VIEW']);
  await contributor(col1, u5, ['VIEW', 'ADD']);
  await contributor(col2, u6, ['ADD']);
  await contributor(col2, u7, ['VIEW', 'ADD', 'MANAGE']);

  // Tips to every tippable kind, plus a post tip and a user-only tip (which count nowhere).
  const tip = (entityType: string, entityId: number | null, toUserId: number, amount: number, at = 0) =>
    add('BuzzTip', { entityType, entityId, fromUserId: u7, toUserId, amount, createdAt: ago(at) });
  await tip('Model', m0, u0, 50);
  await tip('Model', m0, u0, 20, 10 * DAY);
  await tip('ModelVersion', v0, u0, 15);
  await tip('Image', i0, u0, 5);
  await tip('Article', a0, u0, 30, 3 * DAY);
  await tip('BountyEntry', e0, u2, 12);
  await tip('Post', p0, u0, 7);
  await tip('User', null, u1, 9);

  // Tags on models, images, posts, articles; tag engagements.
  const t0 = id(await add('Tag', { name: `${tag}-anime` }));
  const t1 = id(await add('Tag', { name: `${tag}-landscape` }));
  const t2 = id(await add('Tag', { name: `${tag}-portrait` }));
  w.tags.push(t0, t1, t2);
  w.rows.tm0 = await add('TagsOnModels', { modelId: m0, tagId: t0 });
  await add('TagsOnModels', { modelId: m1, tagId: t0, createdAt: ago(10 * DAY) });
  await add('TagsOnImage', { imageId: i0, tagId: t0 });
  w.rows.tim1 = await add('TagsOnImage', { imageId: i1, tagId: t1, disabled: true });
  await add('TagsOnImage', { imageId: i3, tagId: t1 });
  await add('TagsOnImage', { imageId: i2, tagId: t2, createdAt: ago(3 * DAY) });
  w.rows.tp0 = await add('TagsOnPost', { postId: p0, tagId: t1 });
  await add('TagsOnPost', { postId: p1, tagId: t1 });
  w.rows.ta0 = await add('TagsOnArticle', { articleId: a0, tagId: t2 });
  w.rows.te0 = await add('TagEngagement', { userId: u2, tagId: t0, type: 'Follow' });
  w.rows.te1 = await add('TagEngagement', { userId: u3, tagId: t0, type: 'Hide' });
  await add('TagEngagement', { userId: u4, tagId: t1, type: 'Follow', createdAt: ago(10 * DAY) });

  // Follows and hides between users; model engagements (no metric reads them).
  w.rows.ue0 = await add('UserEngagement', { userId: u1, targetUserId: u0, type: 'Follow' });
  w.rows.ue1 = await add('UserEngagement', {
    userId: u2,
    targetUserId: u0,
    type: 'Follow',
    createdAt: ago(3 * DAY),
  });
  await add('UserEngagement', { userId: u3, targetUserId: u0, type: 'Hide' });
  await add('UserEngagement', { userId: u0, targetUserId: u1, type: 'Follow' });
  await add('ModelEngagement', { userId: u3, modelId: m0, type: 'Notify' });

  // ClickHouse sources: downloads, generation jobs, compensation.
  const at = (ms: number) => new Date(Date.now() - ms);
  const base = { userId: u3, nsfw: false, earlyAccess: false };
  await publisher.publish(modelVersionEvents, [
    { ...base, type: 'Download', time: at(0), modelId: m0, modelVersionId: v0 },
    { ...base, type: 'Download', time: at(10 * DAY), modelId: m0, modelVersionId: v0 },
    { ...base, type: 'Download', time: at(3 * DAY), modelId: m0, modelVersionId: v1 },
    { ...base, type: 'Download', time: at(0), modelId: m1, modelVersionId: v2 },
    { ...base, type: 'Favorite', time: at(0), modelId: m1, modelVersionId: v2 },
  ]);
  await publisher.publish(orchestrationJobs, [
    {
      type: 'TextToImage',
      userId: u4,
      createdAt: at(0),
      cost: 4,
      resourcesUsed: [v0, v1],
      status: 'Succeeded',
    },
    {
      type: 'TextToImage',
      userId: u5,
      createdAt: at(3 * DAY),
      cost: 4,
      resourcesUsed: [v0],
      status: 'Succeeded',
    },
    {
      type: 'TextToImage',
      userId: u6,
      createdAt: at(0),
      cost: 2,
      resourcesUsed: [v0, v2],
      status: 'Succeeded',
    },
  ]);
  await publisher.publish(buzzResourceCompensation, [
    {
      createdAt: at(0),
      date: at(0).toISOString().slice(0, 10),
      modelVersionId: v0,
      accountId: u0,
      comp: 8,
      tip: 2,
      total: 10,
    },
    {
      createdAt: at(10 * DAY),
      date: at(10 * DAY)
        .toISOString()
        .slice(0, 10),
      modelVersionId: v2,
      accountId: u1,
      comp: 7,
      tip: 0,
      total: 7,
    },
  ]);
  return 10;
}
