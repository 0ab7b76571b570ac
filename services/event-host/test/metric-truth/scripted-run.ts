// The scripted run of the end-to-end ground-truth test: creates, updates and deletes across every source
// table of the metric mapping, written through plain SQL (as the app would) plus ClickHouse source rows
// through the local publisher. Some rows are backdated (10 days, 3 days, 2 hours) so that the day, week
// and all-time windows differ. Relations that listeners read once (image → post, version → model,
// thread → entity, collection mode) are never changed, as in the app.
import {
  buzzResourceCompensation,
  type ClickHouseRowPublisher,
  modelVersionEvents,
  orchestrationJobs,
} from '@engagement/app-db/clickhouse';
import type pg from 'pg';
import type { TruthScope } from './ground-truth.js';

type Row = Record<string, unknown>;

const DAY = 86_400_000;
/** A Postgres timestamp(3) literal, `ago` ms before now (UTC). */
export const ago = (ms: number) => new Date(Date.now() - ms).toISOString().replace('Z', '');

/** Ids of what the run created, by entity type, plus the rows phase two changes. */
export interface RunWorld {
  users: number[];
  models: number[];
  versions: number[];
  posts: number[];
  images: number[];
  collections: number[];
  tags: number[];
  articles: number[];
  bounties: number[];
  entries: number[];
  /** Named rows phase two updates or deletes. */
  rows: Record<string, Row>;
  /** Rows changed in total (inserts, updates, deletes, ClickHouse rows). */
  changes: number;
  /** Entities phase two created and deleted again (not compared; their dead letters are still the run's). */
  gone: { images: number[]; posts: number[]; versions: number[]; threads: number[] };
}

/** Inserts one row and returns it (all columns). */
async function insert(db: pg.Client, table: string, row: Row): Promise<Row> {
  const cols = Object.keys(row);
  const r = await db.query(
    `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')})
     VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
    Object.values(row),
  );
  return r.rows[0] as Row;
}

/** Phase one: everything is created (with some rows backdated), and ClickHouse source rows are published. */
export async function createWorld(
  db: pg.Client,
  publisher: ClickHouseRowPublisher,
  tag: string,
): Promise<RunWorld> {
  let changes = 0;
  const add = async (table: string, row: Row) => {
    changes++;
    return insert(db, table, row);
  };
  const id = (row: Row) => row.id as number;
  const w: RunWorld = {
    users: [],
    models: [],
    versions: [],
    posts: [],
    images: [],
    collections: [],
    tags: [],
    articles: [],
    bounties: [],
    entries: [],
    rows: {},
    changes: 0,
    gone: { images: [], posts: [], versions: [], threads: [] },
  };
  for (let i = 0; i < 8; i++)
    w.users.push(id(await add('User', { username: `${tag}-u${i}`, createdAt: ago(20 * DAY) })));
  const [u0, u1, u2, u3, u4, u5, u6, u7] = w.users as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];

  // Models and versions: u0 owns m0 (v0 published, v1 draft), u1 owns m1 (v2 published).
  const m0 = id(
    await add('Model', { name: `${tag} m0`, userId: u0, status: 'Published', createdAt: ago(15 * DAY) }),
  );
  const m1 = id(await add('Model', { name: `${tag} m1`, userId: u1, status: 'Published' }));
  w.models.push(m0, m1);
  const v0 = id(
    await add('ModelVersion', { modelId: m0, name: 'v0', status: 'Published', createdAt: ago(10 * DAY) }),
  );
  const v1 = id(await add('ModelVersion', { modelId: m0, name: 'v1', status: 'Draft' }));
  const v2 = id(
    await add('ModelVersion', { modelId: m1, name: 'v2', status: 'Published', createdAt: ago(3 * DAY) }),
  );
  w.versions.push(v0, v1, v2);

  // Posts and images: p0 (u0, for v0) holds i0 and i1; p1 (u1) holds i2; i3 (u2) is in no post.
  const p0 = id(await add('Post', { userId: u0, modelVersionId: v0, title: 'p0' }));
  const p1 = id(await add('Post', { userId: u1, title: 'p1' }));
  w.posts.push(p0, p1);
  const i0 = id(
    await add('Image', { userId: u0, postId: p0, url: `${tag}/i0.png`, createdAt: ago(12 * DAY) }),
  );
  const i1 = id(await add('Image', { userId: u0, postId: p0, url: `${tag}/i1.png` }));
  const i2 = id(await add('Image', { userId: u1, postId: p1, url: `${tag}/i2.png` }));
  const i3 = id(await add('Image', { userId: u2, url: `${tag}/i3.png` }));
  w.images.push(i0, i1, i2, i3);
  for (const [imageId, modelVersionId] of [
    [i0, v0],
    [i1, v0],
    [i1, v1],
    [i2, v2],
  ])
    await add('ImageResource', { imageId, modelVersionId, createdAt: ago(imageId === i0 ? 10 * DAY : 0) });

  // Reactions: a mix of kinds, some old.
  const react = (table: string, column: string, target: number, userId: number, reaction: string, at = 0) =>
    add(table, { [column]: target, userId, reaction, createdAt: ago(at) });
  w.rows.r0 = await react('ImageReaction', 'imageId', i0, u1, 'Like', 10 * DAY);
  w.rows.r1 = await react('ImageReaction', 'imageId', i0, u2, 'Heart', 3 * DAY);
  w.rows.r2 = await react('ImageReaction', 'imageId', i1, u3, 'Laugh');
  w.rows.r3 = await react('ImageReaction', 'imageId', i1, u4, 'Cry', 2 * 3_600_000);
  await react('ImageReaction', 'imageId', i2, u0, 'Dislike');
  await react('ImageReaction', 'imageId', i2, u5, 'Like', 3 * DAY);
  await react('ImageReaction', 'imageId', i3, u6, 'Heart');

  // Reviews: ratings and thumbs on v0 and v2; one excluded by moderation from the start.
  const review = (
    modelVersionId: number,
    modelId: number,
    userId: number,
    rating: number,
    recommended: boolean,
    extra: Row = {},
  ) => add('ResourceReview', { modelVersionId, modelId, userId, rating, recommended, ...extra });
  w.rows.rv0 = await review(v0, m0, u2, 5, true, { createdAt: ago(10 * DAY) });
  w.rows.rv1 = await review(v0, m0, u3, 2, false);
  w.rows.rv2 = await review(v0, m0, u4, 4, true, { createdAt: ago(3 * DAY) });
  w.rows.rv3 = await review(v2, m1, u5, 1, false, { exclude: true });
  w.rows.rv4 = await review(v2, m1, u6, 3, true);

  // Comments v1 on m0: one on v0, a reply, one hidden.
  w.rows.c0 = await add('Comment', { content: 'nice', userId: u2, modelId: m0, modelVersionId: v0 });
  w.rows.c1 = await add('Comment', {
    content: 'thanks',
    userId: u0,
    modelId: m0,
    parentId: w.rows.c0.id,
    createdAt: ago(10 * DAY),
  });
  w.rows.c2 = await add('Comment', { content: 'spam', userId: u7, modelId: m0, hidden: true });

  // Articles, with reactions and engagements.
  const a0 = id(await add('Article', { userId: u0, title: `${tag} a0` }));
  const a1 = id(await add('Article', { userId: u1, title: `${tag} a1` }));
  w.articles.push(a0, a1);
  w.rows.ar0 = await react('ArticleReaction', 'articleId', a0, u2, 'Like');
  await react('ArticleReaction', 'articleId', a0, u3, 'Heart', 10 * DAY);
  await react('ArticleReaction', 'articleId', a1, u4, 'Laugh');
  w.rows.ae0 = await add('ArticleEngagement', { userId: u2, articleId: a0, type: 'Favorite' });
  w.rows.ae1 = await add('ArticleEngagement', { userId: u3, articleId: a0, type: 'Hide' });

  // Bounties, entries, benefactors, entry reactions.
  const b0 = id(await add('Bounty', { userId: u0, name: `${tag} b0` }));
  const b1 = id(await add('Bounty', { userId: u1, name: `${tag} b1` }));
  w.bounties.push(b0, b1);
  const e0 = id(await add('BountyEntry', { bountyId: b0, userId: u2 }));
  const e1 = id(await add('BountyEntry', { bountyId: b0, userId: u3, createdAt: ago(3 * DAY) }));
  w.rows.e2 = await add('BountyEntry', { bountyId: b1, userId: u4 });
  w.entries.push(e0, e1);
  w.rows.bb0 = await add('BountyBenefactor', { bountyId: b0, userId: u0, unitAmount: 100 });
  w.rows.bb1 = await add('BountyBenefactor', {
    bountyId: b0,
    userId: u5,
    unitAmount: 40,
    createdAt: ago(10 * DAY),
  });
  w.rows.bb2 = await add('BountyBenefactor', { bountyId: b1, userId: u6, unitAmount: 25 });
  w.rows.be0 = await add('BountyEngagement', { userId: u2, bountyId: b0, type: 'Favorite' });
  await add('BountyEngagement', { userId: u2, bountyId: b0, type: 'Track' });
  await add('BountyEngagement', { userId: u3, bountyId: b1, type: 'Track' });
  w.rows.ber0 = await react('BountyEntryReaction', 'bountyEntryId', e0, u4, 'Like');
  w.rows.ber1 = await react('BountyEntryReaction', 'bountyEntryId', e1, u5, 'Heart', 3 * DAY);

  // v2 comment threads on a post, an image, an article, a bounty, an entry and a review.
  const thread = async (column: string, target: number) => id(await add('Thread', { [column]: target }));
  const tp0 = await thread('postId', p0);
  const tp1 = await thread('postId', p1);
  const ti0 = await thread('imageId', i0);
  const ta0 = await thread('articleId', a0);
  const tb0 = await thread('bountyId', b0);
  const te0 = await thread('bountyEntryId', e0);
  const tr0 = await thread('reviewId', w.rows.rv0.id as number);
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
  w.changes = changes + 10;
  return w;
}

/** Phase two: updates and deletes across the tables, and more creates. Returns the number of changes. */
export async function changeWorld(
  db: pg.Client,
  publisher: ClickHouseRowPublisher,
  w: RunWorld,
): Promise<number> {
  let changes = 0;
  const run = async (sql: string, params: unknown[]) => {
    const r = await db.query(sql, params);
    changes += r.rowCount ?? 0;
  };
  const [u0, u1, u2, , u4, u5, u6, u7] = w.users as number[];
  const [m0, m1] = w.models as [number, number];
  const [, v1, v2] = w.versions as [number, number, number];
  const [i0, , i2] = w.images as number[];
  const [col0, col1] = w.collections as number[];
  const [t0, t1] = w.tags as number[];
  const [a0] = w.articles as number[];
  const [b0, b1] = w.bounties as number[];
  const [e0] = w.entries as number[];
  const { rows } = w;

  // Reactions change kind and are removed.
  await run(`UPDATE "ImageReaction" SET reaction = 'Heart' WHERE id = $1`, [rows.r0!.id]);
  await run(`DELETE FROM "ImageReaction" WHERE id = $1`, [rows.r2!.id]);
  await run(`UPDATE "ImageReaction" SET reaction = 'Like' WHERE id = $1`, [rows.r3!.id]);
  await run(`INSERT INTO "ImageReaction"("imageId","userId",reaction) VALUES ($1,$2,'Laugh')`, [i0, u7]);
  await run(`DELETE FROM "ArticleReaction" WHERE id = $1`, [rows.ar0!.id]);
  await run(`UPDATE "BountyEntryReaction" SET reaction = 'Cry' WHERE id = $1`, [rows.ber0!.id]);

  // Reviews: a rating change, a thumbs flip, moderation excluding one and re-including another, a delete.
  await run(`UPDATE "ResourceReview" SET rating = 4 WHERE id = $1`, [rows.rv1!.id]);
  await run(`UPDATE "ResourceReview" SET recommended = false, rating = 3 WHERE id = $1`, [rows.rv2!.id]);
  await run(`UPDATE "ResourceReview" SET exclude = false WHERE id = $1`, [rows.rv3!.id]);
  await run(`UPDATE "ResourceReview" SET exclude = true WHERE id = $1`, [rows.rv4!.id]);
  await run(`DELETE FROM "ResourceReview" WHERE id = $1`, [rows.rv0!.id]);
  await run(
    `INSERT INTO "ResourceReview"("modelId","modelVersionId","userId",rating,recommended) VALUES ($1,$2,$3,5,true)`,
    [m0, v1, u5],
  );

  // Versions: the draft is published, a published one is unpublished, a new one comes and goes.
  await run(`UPDATE "ModelVersion" SET status = 'Published', "publishedAt" = now() WHERE id = $1`, [v1]);
  await run(`UPDATE "ModelVersion" SET status = 'Unpublished' WHERE id = $1`, [v2]);
  const v3 = (
    await db.query(
      `INSERT INTO "ModelVersion"("modelId",name,status) VALUES ($1,'v3','Published') RETURNING id`,
      [m1],
    )
  ).rows[0].id;
  await run(`DELETE FROM "ModelVersion" WHERE id = $1`, [v3]);
  w.gone.versions.push(v3);
  changes++;

  // Comments: hide one, delete one, un-hide the spam (moderation reverted), add more.
  await run(`UPDATE "Comment" SET hidden = true WHERE id = $1`, [rows.c0!.id]);
  await run(`UPDATE "Comment" SET hidden = false WHERE id = $1`, [rows.c2!.id]);
  await run(`INSERT INTO "Comment"(content,"userId","modelId","modelVersionId") VALUES ('more',$1,$2,$3)`, [
    u4,
    m1,
    v2,
  ]);
  await run(`UPDATE "CommentV2" SET hidden = true WHERE id = $1`, [rows.cv1!.id]);
  await run(`DELETE FROM "CommentV2" WHERE id = $1`, [rows.cv4!.id]);

  // Collections: an item removed, one added; a contributor leaves, another joins.
  await run(`DELETE FROM "CollectionItem" WHERE id = $1`, [rows.ci0!.id]);
  await run(
    `INSERT INTO "CollectionItem"("collectionId","addedById","modelId","modelVersionId") VALUES ($1,$2,$3,$4)`,
    [col0, u2, m1, v2],
  );
  await run(`DELETE FROM "CollectionItem" WHERE id = $1`, [rows.ci3!.id]);
  await run(`INSERT INTO "CollectionItem"("collectionId","addedById","imageId") VALUES ($1,$2,$3)`, [
    col1,
    u4,
    i2,
  ]);
  await run(`DELETE FROM "CollectionContributor" WHERE "collectionId" = $1 AND "userId" = $2`, [
    col1,
    rows.cc0!.userId,
  ]);
  await run(`INSERT INTO "CollectionContributor"("collectionId","userId",permissions) VALUES ($1,$2,$3)`, [
    col0,
    u1,
    ['VIEW'],
  ]);

  // Tips keep coming (tips are never edited).
  await run(
    `INSERT INTO "BuzzTip"("entityType","entityId","fromUserId","toUserId",amount) VALUES ('Image',$1,$2,$3,25)`,
    [i2, u4, u1],
  );
  await run(
    `INSERT INTO "BuzzTip"("entityType","entityId","fromUserId","toUserId",amount) VALUES ('ModelVersion',$1,$2,$3,3)`,
    [v2, u4, u1],
  );

  // Tags: a disabled image tag is restored, a post tag disabled, a model tag removed, an article tagged.
  await run(`UPDATE "TagsOnImage" SET disabled = false WHERE "imageId" = $1 AND "tagId" = $2`, [
    rows.tim1!.imageId,
    rows.tim1!.tagId,
  ]);
  await run(`UPDATE "TagsOnPost" SET disabled = true WHERE "postId" = $1 AND "tagId" = $2`, [
    rows.tp0!.postId,
    rows.tp0!.tagId,
  ]);
  await run(`DELETE FROM "TagsOnModels" WHERE "modelId" = $1 AND "tagId" = $2`, [
    rows.tm0!.modelId,
    rows.tm0!.tagId,
  ]);
  await run(`INSERT INTO "TagsOnArticle"("articleId","tagId") VALUES ($1,$2)`, [a0, t0]);
  // Engagements change kind in place and are removed.
  await run(`UPDATE "TagEngagement" SET type = 'Hide' WHERE "userId" = $1 AND "tagId" = $2`, [
    rows.te0!.userId,
    rows.te0!.tagId,
  ]);
  await run(`INSERT INTO "TagEngagement"("userId","tagId",type) VALUES ($1,$2,'Follow')`, [u5, t1]);
  await run(`UPDATE "UserEngagement" SET type = 'Hide' WHERE "userId" = $1 AND "targetUserId" = $2`, [
    rows.ue0!.userId,
    rows.ue0!.targetUserId,
  ]);
  await run(`DELETE FROM "UserEngagement" WHERE "userId" = $1 AND "targetUserId" = $2`, [
    rows.ue1!.userId,
    rows.ue1!.targetUserId,
  ]);
  await run(`INSERT INTO "UserEngagement"("userId","targetUserId",type) VALUES ($1,$2,'Follow')`, [u6, u1]);
  await run(`UPDATE "ArticleEngagement" SET type = 'Hide' WHERE "userId" = $1 AND "articleId" = $2`, [
    rows.ae0!.userId,
    rows.ae0!.articleId,
  ]);

  // Bounties: an engagement removed, an entry withdrawn, amounts raised, the bounty awarded, a benefactor leaves.
  await run(`DELETE FROM "BountyEngagement" WHERE type = 'Favorite' AND "bountyId" = $1 AND "userId" = $2`, [
    b0,
    rows.be0!.userId,
  ]);
  await run(`DELETE FROM "BountyEntry" WHERE id = $1`, [rows.e2!.id]);
  await run(`UPDATE "BountyBenefactor" SET "unitAmount" = 150 WHERE "bountyId" = $1 AND "userId" = $2`, [
    b0,
    u0,
  ]);
  await run(`UPDATE "BountyBenefactor" SET "awardedToId" = $1, "awardedAt" = now() WHERE "bountyId" = $2`, [
    e0,
    b0,
  ]);
  await run(`UPDATE "BountyBenefactor" SET "unitAmount" = 60 WHERE "bountyId" = $1 AND "userId" = $2`, [
    b0,
    rows.bb1!.userId,
  ]);
  await run(`DELETE FROM "BountyBenefactor" WHERE "bountyId" = $1 AND "userId" = $2`, [b1, rows.bb2!.userId]);
  await run(`INSERT INTO "BountyBenefactor"("bountyId","userId","unitAmount") VALUES ($1,$2,10)`, [b1, u2]);

  // Deletes on the remaining link tables: an image resource, an article tag, a tag hide, an entry
  // reaction, an article hide, a comment reply.
  await run(`DELETE FROM "ImageResource" WHERE "imageId" = $1 AND "modelVersionId" = $2`, [w.images[1], v1]);
  await run(`DELETE FROM "TagsOnArticle" WHERE "articleId" = $1 AND "tagId" = $2`, [
    rows.ta0!.articleId,
    rows.ta0!.tagId,
  ]);
  await run(`DELETE FROM "TagEngagement" WHERE "userId" = $1 AND "tagId" = $2`, [
    rows.te1!.userId,
    rows.te1!.tagId,
  ]);
  await run(`DELETE FROM "BountyEntryReaction" WHERE id = $1`, [rows.ber1!.id]);
  await run(`DELETE FROM "ArticleEngagement" WHERE "userId" = $1 AND "articleId" = $2`, [
    rows.ae1!.userId,
    rows.ae1!.articleId,
  ]);
  await run(`DELETE FROM "Comment" WHERE id = $1`, [rows.c1!.id]);

  // An image with a reaction and a tag is deleted: the cascaded deletes must still reach its owner's
  // reactionCount and the tag's imageCount (the image row is gone when they are handled).
  const i3 = w.images[3]!;
  await run(`DELETE FROM "Image" WHERE id = $1`, [i3]);
  w.images.splice(3, 1);
  w.gone.images.push(i3);

  // A childless image (only a tag) and a post are deleted: cascades and SetNull reach their children.
  const lone = (await db.query(`INSERT INTO "Image"("userId",url) VALUES ($1,'lone.png') RETURNING id`, [u1]))
    .rows[0].id;
  await run(`INSERT INTO "TagsOnImage"("imageId","tagId") VALUES ($1,$2)`, [lone, t0]);
  await run(`DELETE FROM "Image" WHERE id = $1`, [lone]);
  w.gone.images.push(lone);
  changes++;
  const gone = (await db.query(`INSERT INTO "Post"("userId",title) VALUES ($1,'gone') RETURNING id`, [u2]))
    .rows[0].id;
  await run(`INSERT INTO "TagsOnPost"("postId","tagId") VALUES ($1,$2)`, [gone, t1]);
  const goneThread = (await db.query(`INSERT INTO "Thread"("postId") VALUES ($1) RETURNING id`, [gone]))
    .rows[0].id;
  await run(`INSERT INTO "CommentV2"("threadId","userId",content) VALUES ($1,$2,'bye')`, [goneThread, u4]);
  await run(`DELETE FROM "Post" WHERE id = $1`, [gone]);
  w.gone.posts.push(gone);
  w.gone.threads.push(goneThread);
  changes += 2;

  // More ClickHouse rows.
  const now = new Date();
  await publisher.publish(modelVersionEvents, [
    {
      type: 'Download',
      time: now,
      userId: u4,
      modelId: m0,
      modelVersionId: v1,
      nsfw: false,
      earlyAccess: false,
    },
  ]);
  await publisher.publish(orchestrationJobs, [
    { type: 'TextToImage', userId: u4, createdAt: now, cost: 1, resourcesUsed: [v2], status: 'Succeeded' },
  ]);
  await publisher.publish(buzzResourceCompensation, [
    {
      createdAt: now,
      date: now.toISOString().slice(0, 10),
      modelVersionId: v1,
      accountId: u0,
      comp: 3,
      tip: 1,
      total: 4,
    },
  ]);
  return changes + 3;
}

/** Every entity of `w` by entity type: for a run's world, those the run created that still exist. */
export function truthScope(w: Omit<RunWorld, 'rows' | 'changes' | 'gone'>): TruthScope {
  return {
    User: w.users,
    Model: w.models,
    ModelVersion: w.versions,
    Post: w.posts,
    Image: w.images,
    Collection: w.collections,
    Tag: w.tags,
    Article: w.articles,
    Bounty: w.bounties,
    BountyEntry: w.entries,
  };
}

/** Column → ids the run wrote, to recognise its rows (e.g. in dead letters). */
export function runIds(w: RunWorld): Record<string, Set<number>> {
  const users = new Set(w.users);
  return {
    userId: users,
    fromUserId: users,
    targetUserId: users,
    modelId: new Set(w.models),
    modelVersionId: new Set([...w.versions, ...w.gone.versions]),
    imageId: new Set([...w.images, ...w.gone.images]),
    postId: new Set([...w.posts, ...w.gone.posts]),
    threadId: new Set(w.gone.threads),
    collectionId: new Set(w.collections),
    tagId: new Set(w.tags),
    articleId: new Set(w.articles),
    bountyId: new Set(w.bounties),
    bountyEntryId: new Set(w.entries),
  };
}
