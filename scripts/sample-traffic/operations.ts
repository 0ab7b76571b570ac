import {
  engage,
  type Operation,
  op,
  queue,
  REACTIONS,
  randomRow,
  react,
  remove,
  sql,
  tag,
  update,
  versions,
} from './operation.js';
import { pick, random } from './random.js';

export type { Operation, OperationContext } from './operation.js';

const amount = () => pick([5, 10, 10, 25, 50, 100]);

/** Every change sample traffic makes, across the source tables of the metric mapping. */
export const operations: Operation[] = [
  op('reaction.create', 20, react('ImageReaction', 'imageId', 'images')),
  op(
    'reaction.change',
    5,
    sql(
      `UPDATE "ImageReaction" r SET reaction = $2 WHERE ctid = ${randomRow('ImageReaction', 'imageId')} AND NOT EXISTS (SELECT 1 FROM "ImageReaction" o WHERE o."imageId" = r."imageId" AND o."userId" = r."userId" AND o.reaction = $2)`,
      (w) => [w.images, pick(REACTIONS)],
    ),
  ),
  op('reaction.delete', 5, remove('ImageReaction', 'imageId', 'images')),
  op(
    'review.create',
    4,
    sql(
      `INSERT INTO "ResourceReview"("modelId","modelVersionId","userId",rating,recommended) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING`,
      (w) => {
        const v = pick(versions(w));
        return [w.versions.get(v), v, pick(w.users), pick([1, 2, 3, 4, 5, 5]), random() < 0.8];
      },
    ),
  ),
  op(
    'review.rating',
    3,
    update('ResourceReview', 'modelVersionId', 'versions', 'rating = $2, "updatedAt" = now()', () => [
      pick([1, 2, 3, 4, 5]),
    ]),
  ),
  op(
    'review.recommend',
    1,
    update('ResourceReview', 'modelVersionId', 'versions', 'recommended = NOT recommended'),
  ),
  op('review.moderate', 0.5, update('ResourceReview', 'modelVersionId', 'versions', 'exclude = NOT exclude')),
  op('review.delete', 1, remove('ResourceReview', 'modelVersionId', 'versions')),
  op(
    'comment.create',
    2,
    sql(
      `INSERT INTO "Comment"(content,"userId","modelId","modelVersionId") VALUES ('nice work',$1,$2,$3)`,
      (w) => {
        const v = pick(versions(w));
        return [pick(w.users), w.versions.get(v), random() < 0.5 ? v : null];
      },
    ),
  ),
  op('comment.hide', 0.5, update('Comment', 'modelId', 'models', 'hidden = NOT hidden')),
  op('comment.delete', 0.5, remove('Comment', 'modelId', 'models')),
  op(
    'commentV2.create',
    5,
    sql(`INSERT INTO "CommentV2"(content,"userId","threadId") VALUES ('love it',$1,$2)`, (w) => [
      pick(w.users),
      pick(w.threads),
    ]),
  ),
  op('commentV2.hide', 0.5, update('CommentV2', 'threadId', 'threads', 'hidden = NOT hidden')),
  op('commentV2.delete', 1, remove('CommentV2', 'threadId', 'threads')),
  op('collectionItem.create', 4, async (ctx) => {
    const w = ctx.world;
    const v = pick(versions(w));
    const target = pick<[string, unknown, unknown]>([
      ['modelId', w.versions.get(v), v],
      ['imageId', pick(w.images), null],
      ['postId', pick(w.posts), null],
      ['articleId', pick(w.articles), null],
    ]);
    return sql(
      `INSERT INTO "CollectionItem"("collectionId","addedById","${target[0]}","modelVersionId") VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING`,
      () => [pick(w.collections), pick(w.users), target[1], target[2]],
    )(ctx);
  }),
  op('collectionItem.delete', 2, remove('CollectionItem', 'collectionId', 'collections')),
  op(
    'contributor.create',
    1,
    sql(
      `INSERT INTO "CollectionContributor"("collectionId","userId",permissions) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`,
      (w) => [pick(w.collections), pick(w.users), pick([['VIEW'], ['VIEW', 'ADD'], ['ADD']])],
    ),
  ),
  op('contributor.delete', 0.5, remove('CollectionContributor', 'collectionId', 'collections')),
  op(
    'tip.create',
    3,
    sql(
      `INSERT INTO "BuzzTip"("entityType","entityId","fromUserId","toUserId",amount) VALUES ($1,$2,$3,$4,$5)`,
      (w) => {
        const [entityType, entityId] = pick<[string, number]>([
          ['Model', pick(w.models)],
          ['ModelVersion', pick(versions(w))],
          ['Image', pick(w.images)],
          ['Article', pick(w.articles)],
          ['BountyEntry', pick(w.entries)],
        ]);
        return [entityType, entityId, pick(w.users), pick(w.users), amount()];
      },
    ),
  ),
  op('tagsOnModels.create', 1, tag('TagsOnModels', 'modelId', 'models')),
  op('tagsOnModels.delete', 0.5, remove('TagsOnModels', 'modelId', 'models')),
  op(
    'tagsOnImage.create',
    2,
    sql(
      `INSERT INTO "TagsOnImage"("imageId","tagId",automated,confidence) VALUES ($1,$2,true,$3) ON CONFLICT DO NOTHING`,
      (w) => [pick(w.images), pick(w.tags), Math.floor(random() * 100)],
    ),
  ),
  op(
    'tagsOnImage.disable',
    1,
    update('TagsOnImage', 'imageId', 'images', 'disabled = NOT disabled, "disabledAt" = now()'),
  ),
  op('tagsOnImage.delete', 0.5, remove('TagsOnImage', 'imageId', 'images')),
  op('tagsOnPost.create', 1, tag('TagsOnPost', 'postId', 'posts')),
  op('tagsOnPost.disable', 0.5, update('TagsOnPost', 'postId', 'posts', 'disabled = NOT disabled')),
  op('tagsOnArticle.create', 0.5, tag('TagsOnArticle', 'articleId', 'articles')),
  op('tagsOnArticle.delete', 0.3, remove('TagsOnArticle', 'articleId', 'articles')),
  op('tagEngagement.set', 1, engage('TagEngagement', 'tagId', 'tags', ['Follow', 'Follow', 'Hide'])),
  op('tagEngagement.delete', 0.5, remove('TagEngagement', 'tagId', 'tags')),
  op('follow.set', 3, async (ctx) => {
    const [a, b] = [pick(ctx.world.users), pick(ctx.world.users)];
    if (a === b) return 0;
    return sql(
      `INSERT INTO "UserEngagement"("userId","targetUserId",type) VALUES ($1,$2,$3) ON CONFLICT ("userId","targetUserId") DO UPDATE SET type = EXCLUDED.type`,
      () => [a, b, pick(['Follow', 'Follow', 'Follow', 'Hide'])],
    )(ctx);
  }),
  op('follow.delete', 1, remove('UserEngagement', 'userId', 'users')),
  op('articleReaction.create', 2, react('ArticleReaction', 'articleId', 'articles')),
  op('articleReaction.delete', 1, remove('ArticleReaction', 'articleId', 'articles')),
  op('articleEngagement.set', 1, engage('ArticleEngagement', 'articleId', 'articles', ['Favorite', 'Hide'])),
  op(
    'bountyEngagement.create',
    1,
    sql(
      `INSERT INTO "BountyEngagement"("userId","bountyId",type) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`,
      (w) => [pick(w.users), pick(w.bounties), pick(['Favorite', 'Track'])],
    ),
  ),
  op('bountyEngagement.delete', 0.5, remove('BountyEngagement', 'bountyId', 'bounties')),
  op(
    'benefactor.set',
    1,
    sql(
      `INSERT INTO "BountyBenefactor"("bountyId","userId","unitAmount") VALUES ($1,$2,$3) ON CONFLICT ("bountyId","userId") DO UPDATE SET "unitAmount" = "BountyBenefactor"."unitAmount" + EXCLUDED."unitAmount"`,
      (w) => [pick(w.bounties), pick(w.users), amount()],
    ),
  ),
  op(
    'benefactor.award',
    0.3,
    sql(
      `UPDATE "BountyBenefactor" SET "awardedToId" = $1, "awardedAt" = now() WHERE "bountyId" = (SELECT "bountyId" FROM "BountyEntry" WHERE id = $1) AND "awardedToId" IS NULL`,
      (w) => [pick(w.entries)],
    ),
  ),
  op('benefactor.delete', 0.3, remove('BountyBenefactor', 'bountyId', 'bounties')),
  op('entryReaction.create', 1, react('BountyEntryReaction', 'bountyEntryId', 'entries')),
  op('entryReaction.delete', 0.5, remove('BountyEntryReaction', 'bountyEntryId', 'entries')),
  op('modelEngagement.set', 0.5, engage('ModelEngagement', 'modelId', 'models', ['Notify', 'Hide'])),
  op('version.create', 0.3, async ({ db, world }) => {
    // A user's deletion takes their models along, and can take the last ones (realistic-truth on Redis
    // Cluster, seed 41014318: a NULL modelId stopped the traffic).
    if (world.models.length === 0) return 0;
    const model = pick(world.models);
    const r = await db.query(
      `INSERT INTO "ModelVersion"("modelId",name,status) VALUES ($1,'update',$2) RETURNING id`,
      [model, pick(['Draft', 'Published'])],
    );
    world.versions.set(r.rows[0].id, model);
    return 1;
  }),
  op(
    'version.status',
    0.5,
    sql(
      `UPDATE "ModelVersion" SET status = $2 WHERE id = (SELECT id FROM "ModelVersion" WHERE id = ANY($1) ORDER BY random() LIMIT 1)`,
      (w) => [versions(w), pick(['Published', 'Published', 'Unpublished'])],
    ),
  ),
  op('download', 8, async ({ world, clickhouse }) =>
    queue(clickhouse, 'modelVersionEvents', () => {
      const v = pick(versions(world));
      return {
        type: 'Download',
        time: new Date(),
        userId: pick(world.users),
        modelId: world.versions.get(v),
        modelVersionId: v,
        nsfw: false,
        earlyAccess: false,
      };
    }),
  ),
  op('generation', 3, async ({ world, clickhouse }) =>
    queue(clickhouse, 'orchestration.jobs', () => ({
      type: 'TextToImage',
      userId: pick(world.users),
      createdAt: new Date(),
      cost: 4,
      resourcesUsed: [...new Set([pick(versions(world)), pick(versions(world))])],
      status: 'Succeeded',
    })),
  ),
  op('compensation', 1, async ({ world, clickhouse }) =>
    queue(clickhouse, 'buzz_resource_compensation', () => {
      const comp = amount();
      const now = new Date();
      return {
        createdAt: now,
        date: now.toISOString().slice(0, 10),
        modelVersionId: pick(versions(world)),
        accountId: pick(world.users),
        comp,
        tip: 0,
        total: comp,
      };
    }),
  ),
];
