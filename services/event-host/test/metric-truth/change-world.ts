// Phase two of the scripted run: updates and deletes across the tables, moves between parents, and more
// creates, written through plain SQL as the app would.
import {
  buzzResourceCompensation,
  type ClickHouseRowPublisher,
  modelVersionEvents,
  orchestrationJobs,
} from '@engagement/app-db/clickhouse';
import type pg from 'pg';
import type { RunWorld } from './run-world.js';

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
