import type pg from 'pg';
import type { SampleWorld } from './sample-world.js';

/** What an operation may use: the database, the world, and a queue of ClickHouse source rows. */
export interface OperationContext {
  db: pg.Client;
  world: SampleWorld;
  /** ClickHouse rows to publish, by table name; `null` when no publisher was given. */
  clickhouse: Map<string, Record<string, unknown>[]> | null;
}

/** One kind of change, chosen with probability proportional to `weight`; returns rows changed. */
export interface Operation {
  name: string;
  weight: number;
  run(ctx: OperationContext): Promise<number>;
}

export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const REACTIONS = ['Like', 'Like', 'Like', 'Heart', 'Heart', 'Laugh', 'Cry', 'Dislike'];
const amount = () => pick([5, 10, 10, 25, 50, 100]);

/** Runs SQL with params built from the world; the row count is the number of changes. */
const sql =
  (text: string, params: (w: SampleWorld) => unknown[]) =>
  async ({ db, world }: OperationContext) =>
    (await db.query(text, params(world))).rowCount ?? 0;

/** A random existing row among those of the world's entities (by `column` = ANY(ids)), by ctid. */
const randomRow = (table: string, column: string) =>
  `(SELECT ctid FROM "${table}" WHERE "${column}" = ANY($1) ORDER BY random() LIMIT 1)`;

const versions = (w: SampleWorld) => [...w.versions.keys()];

/** Every change sample traffic makes, across the source tables of the metric mapping. */
export const operations: Operation[] = [
  {
    name: 'reaction.create',
    weight: 20,
    run: sql(
      `INSERT INTO "ImageReaction"("imageId","userId",reaction) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`,
      (w) => [pick(w.images), pick(w.users), pick(REACTIONS)],
    ),
  },
  {
    name: 'reaction.change',
    weight: 5,
    run: sql(
      `UPDATE "ImageReaction" r SET reaction = $2 WHERE ctid = ${randomRow('ImageReaction', 'imageId')} AND NOT EXISTS (SELECT 1 FROM "ImageReaction" o WHERE o."imageId" = r."imageId" AND o."userId" = r."userId" AND o.reaction = $2)`,
      (w) => [w.images, pick(REACTIONS)],
    ),
  },
  {
    name: 'reaction.delete',
    weight: 5,
    run: sql(`DELETE FROM "ImageReaction" WHERE ctid = ${randomRow('ImageReaction', 'imageId')}`, (w) => [
      w.images,
    ]),
  },
  {
    name: 'review.create',
    weight: 4,
    run: async (ctx) => {
      const v = pick(versions(ctx.world));
      return sql(
        `INSERT INTO "ResourceReview"("modelId","modelVersionId","userId",rating,recommended) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING`,
        (w) => [w.versions.get(v), v, pick(w.users), pick([1, 2, 3, 4, 5, 5]), Math.random() < 0.8],
      )(ctx);
    },
  },
  {
    name: 'review.rating',
    weight: 3,
    run: sql(
      `UPDATE "ResourceReview" SET rating = $2, "updatedAt" = now() WHERE ctid = ${randomRow('ResourceReview', 'modelVersionId')}`,
      (w) => [versions(w), pick([1, 2, 3, 4, 5])],
    ),
  },
  {
    name: 'review.recommend',
    weight: 1,
    run: sql(
      `UPDATE "ResourceReview" SET recommended = NOT recommended WHERE ctid = ${randomRow('ResourceReview', 'modelVersionId')}`,
      (w) => [versions(w)],
    ),
  },
  {
    name: 'review.moderate',
    weight: 0.5,
    run: sql(
      `UPDATE "ResourceReview" SET exclude = NOT exclude WHERE ctid = ${randomRow('ResourceReview', 'modelVersionId')}`,
      (w) => [versions(w)],
    ),
  },
  {
    name: 'review.delete',
    weight: 1,
    run: sql(
      `DELETE FROM "ResourceReview" WHERE ctid = ${randomRow('ResourceReview', 'modelVersionId')}`,
      (w) => [versions(w)],
    ),
  },
  {
    name: 'comment.create',
    weight: 2,
    run: async (ctx) => {
      const v = pick(versions(ctx.world));
      return sql(
        `INSERT INTO "Comment"(content,"userId","modelId","modelVersionId") VALUES ('nice work',$1,$2,$3)`,
        (w) => [pick(w.users), w.versions.get(v), Math.random() < 0.5 ? v : null],
      )(ctx);
    },
  },
  {
    name: 'comment.hide',
    weight: 0.5,
    run: sql(
      `UPDATE "Comment" SET hidden = NOT hidden WHERE ctid = ${randomRow('Comment', 'modelId')}`,
      (w) => [w.models],
    ),
  },
  {
    name: 'comment.delete',
    weight: 0.5,
    run: sql(`DELETE FROM "Comment" WHERE ctid = ${randomRow('Comment', 'modelId')}`, (w) => [w.models]),
  },
  {
    name: 'commentV2.create',
    weight: 5,
    run: sql(`INSERT INTO "CommentV2"(content,"userId","threadId") VALUES ('love it',$1,$2)`, (w) => [
      pick(w.users),
      pick(w.threads),
    ]),
  },
  {
    name: 'commentV2.hide',
    weight: 0.5,
    run: sql(
      `UPDATE "CommentV2" SET hidden = NOT hidden WHERE ctid = ${randomRow('CommentV2', 'threadId')}`,
      (w) => [w.threads],
    ),
  },
  {
    name: 'commentV2.delete',
    weight: 1,
    run: sql(`DELETE FROM "CommentV2" WHERE ctid = ${randomRow('CommentV2', 'threadId')}`, (w) => [
      w.threads,
    ]),
  },
  {
    name: 'collectionItem.create',
    weight: 4,
    run: async (ctx) => {
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
    },
  },
  {
    name: 'collectionItem.delete',
    weight: 2,
    run: sql(
      `DELETE FROM "CollectionItem" WHERE ctid = ${randomRow('CollectionItem', 'collectionId')}`,
      (w) => [w.collections],
    ),
  },
  {
    name: 'contributor.create',
    weight: 1,
    run: sql(
      `INSERT INTO "CollectionContributor"("collectionId","userId",permissions) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`,
      (w) => [pick(w.collections), pick(w.users), pick([['VIEW'], ['VIEW', 'ADD'], ['ADD']])],
    ),
  },
  {
    name: 'contributor.delete',
    weight: 0.5,
    run: sql(
      `DELETE FROM "CollectionContributor" WHERE ctid = ${randomRow('CollectionContributor', 'collectionId')}`,
      (w) => [w.collections],
    ),
  },
  {
    name: 'tip.create',
    weight: 3,
    run: async (ctx) => {
      const w = ctx.world;
      const [entityType, entityId] = pick<[string, number]>([
        ['Model', pick(w.models)],
        ['ModelVersion', pick(versions(w))],
        ['Image', pick(w.images)],
        ['Article', pick(w.articles)],
        ['BountyEntry', pick(w.entries)],
      ]);
      return sql(
        `INSERT INTO "BuzzTip"("entityType","entityId","fromUserId","toUserId",amount) VALUES ($1,$2,$3,$4,$5)`,
        () => [entityType, entityId, pick(w.users), pick(w.users), amount()],
      )(ctx);
    },
  },
  {
    name: 'tagsOnModels.create',
    weight: 1,
    run: sql(`INSERT INTO "TagsOnModels"("modelId","tagId") VALUES ($1,$2) ON CONFLICT DO NOTHING`, (w) => [
      pick(w.models),
      pick(w.tags),
    ]),
  },
  {
    name: 'tagsOnModels.delete',
    weight: 0.5,
    run: sql(`DELETE FROM "TagsOnModels" WHERE ctid = ${randomRow('TagsOnModels', 'modelId')}`, (w) => [
      w.models,
    ]),
  },
  {
    name: 'tagsOnImage.create',
    weight: 2,
    run: sql(
      `INSERT INTO "TagsOnImage"("imageId","tagId",automated,confidence) VALUES ($1,$2,true,$3) ON CONFLICT DO NOTHING`,
      (w) => [pick(w.images), pick(w.tags), Math.floor(Math.random() * 100)],
    ),
  },
  {
    name: 'tagsOnImage.disable',
    weight: 1,
    run: sql(
      `UPDATE "TagsOnImage" SET disabled = NOT disabled, "disabledAt" = now() WHERE ctid = ${randomRow('TagsOnImage', 'imageId')}`,
      (w) => [w.images],
    ),
  },
  {
    name: 'tagsOnImage.delete',
    weight: 0.5,
    run: sql(`DELETE FROM "TagsOnImage" WHERE ctid = ${randomRow('TagsOnImage', 'imageId')}`, (w) => [
      w.images,
    ]),
  },
  {
    name: 'tagsOnPost.create',
    weight: 1,
    run: sql(`INSERT INTO "TagsOnPost"("postId","tagId") VALUES ($1,$2) ON CONFLICT DO NOTHING`, (w) => [
      pick(w.posts),
      pick(w.tags),
    ]),
  },
  {
    name: 'tagsOnPost.disable',
    weight: 0.5,
    run: sql(
      `UPDATE "TagsOnPost" SET disabled = NOT disabled WHERE ctid = ${randomRow('TagsOnPost', 'postId')}`,
      (w) => [w.posts],
    ),
  },
  {
    name: 'tagsOnArticle.create',
    weight: 0.5,
    run: sql(
      `INSERT INTO "TagsOnArticle"("articleId","tagId") VALUES ($1,$2) ON CONFLICT DO NOTHING`,
      (w) => [pick(w.articles), pick(w.tags)],
    ),
  },
  {
    name: 'tagsOnArticle.delete',
    weight: 0.3,
    run: sql(`DELETE FROM "TagsOnArticle" WHERE ctid = ${randomRow('TagsOnArticle', 'articleId')}`, (w) => [
      w.articles,
    ]),
  },
  {
    name: 'tagEngagement.set',
    weight: 1,
    run: sql(
      `INSERT INTO "TagEngagement"("userId","tagId",type) VALUES ($1,$2,$3) ON CONFLICT ("userId","tagId") DO UPDATE SET type = EXCLUDED.type`,
      (w) => [pick(w.users), pick(w.tags), pick(['Follow', 'Follow', 'Hide'])],
    ),
  },
  {
    name: 'tagEngagement.delete',
    weight: 0.5,
    run: sql(`DELETE FROM "TagEngagement" WHERE ctid = ${randomRow('TagEngagement', 'tagId')}`, (w) => [
      w.tags,
    ]),
  },
  {
    name: 'follow.set',
    weight: 3,
    run: async (ctx) => {
      const [a, b] = [pick(ctx.world.users), pick(ctx.world.users)];
      if (a === b) return 0;
      return sql(
        `INSERT INTO "UserEngagement"("userId","targetUserId",type) VALUES ($1,$2,$3) ON CONFLICT ("userId","targetUserId") DO UPDATE SET type = EXCLUDED.type`,
        () => [a, b, pick(['Follow', 'Follow', 'Follow', 'Hide'])],
      )(ctx);
    },
  },
  {
    name: 'follow.delete',
    weight: 1,
    run: sql(`DELETE FROM "UserEngagement" WHERE ctid = ${randomRow('UserEngagement', 'userId')}`, (w) => [
      w.users,
    ]),
  },
  {
    name: 'articleReaction.create',
    weight: 2,
    run: sql(
      `INSERT INTO "ArticleReaction"("articleId","userId",reaction) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`,
      (w) => [pick(w.articles), pick(w.users), pick(REACTIONS)],
    ),
  },
  {
    name: 'articleReaction.delete',
    weight: 1,
    run: sql(
      `DELETE FROM "ArticleReaction" WHERE ctid = ${randomRow('ArticleReaction', 'articleId')}`,
      (w) => [w.articles],
    ),
  },
  {
    name: 'articleEngagement.set',
    weight: 1,
    run: sql(
      `INSERT INTO "ArticleEngagement"("userId","articleId",type) VALUES ($1,$2,$3) ON CONFLICT ("userId","articleId") DO UPDATE SET type = EXCLUDED.type`,
      (w) => [pick(w.users), pick(w.articles), pick(['Favorite', 'Hide'])],
    ),
  },
  {
    name: 'bountyEngagement.create',
    weight: 1,
    run: sql(
      `INSERT INTO "BountyEngagement"("userId","bountyId",type) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`,
      (w) => [pick(w.users), pick(w.bounties), pick(['Favorite', 'Track'])],
    ),
  },
  {
    name: 'bountyEngagement.delete',
    weight: 0.5,
    run: sql(
      `DELETE FROM "BountyEngagement" WHERE ctid = ${randomRow('BountyEngagement', 'bountyId')}`,
      (w) => [w.bounties],
    ),
  },
  {
    name: 'benefactor.set',
    weight: 1,
    run: sql(
      `INSERT INTO "BountyBenefactor"("bountyId","userId","unitAmount") VALUES ($1,$2,$3) ON CONFLICT ("bountyId","userId") DO UPDATE SET "unitAmount" = "BountyBenefactor"."unitAmount" + EXCLUDED."unitAmount"`,
      (w) => [pick(w.bounties), pick(w.users), amount()],
    ),
  },
  {
    name: 'benefactor.award',
    weight: 0.3,
    run: async (ctx) => {
      const entry = pick(ctx.world.entries);
      return sql(
        `UPDATE "BountyBenefactor" SET "awardedToId" = $1, "awardedAt" = now() WHERE "bountyId" = (SELECT "bountyId" FROM "BountyEntry" WHERE id = $1) AND "awardedToId" IS NULL`,
        () => [entry],
      )(ctx);
    },
  },
  {
    name: 'benefactor.delete',
    weight: 0.3,
    run: sql(
      `DELETE FROM "BountyBenefactor" WHERE ctid = ${randomRow('BountyBenefactor', 'bountyId')}`,
      (w) => [w.bounties],
    ),
  },
  {
    name: 'entryReaction.create',
    weight: 1,
    run: sql(
      `INSERT INTO "BountyEntryReaction"("bountyEntryId","userId",reaction) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`,
      (w) => [pick(w.entries), pick(w.users), pick(REACTIONS)],
    ),
  },
  {
    name: 'entryReaction.delete',
    weight: 0.5,
    run: sql(
      `DELETE FROM "BountyEntryReaction" WHERE ctid = ${randomRow('BountyEntryReaction', 'bountyEntryId')}`,
      (w) => [w.entries],
    ),
  },
  {
    name: 'modelEngagement.set',
    weight: 0.5,
    run: sql(
      `INSERT INTO "ModelEngagement"("userId","modelId",type) VALUES ($1,$2,$3) ON CONFLICT ("userId","modelId") DO UPDATE SET type = EXCLUDED.type`,
      (w) => [pick(w.users), pick(w.models), pick(['Notify', 'Hide'])],
    ),
  },
  {
    name: 'version.create',
    weight: 0.3,
    run: async ({ db, world }) => {
      const model = pick(world.models);
      const r = await db.query(
        `INSERT INTO "ModelVersion"("modelId",name,status) VALUES ($1,'update',$2) RETURNING id`,
        [model, pick(['Draft', 'Published'])],
      );
      world.versions.set(r.rows[0].id, model);
      return 1;
    },
  },
  {
    name: 'version.status',
    weight: 0.5,
    run: sql(
      `UPDATE "ModelVersion" SET status = $2 WHERE id = (SELECT id FROM "ModelVersion" WHERE id = ANY($1) ORDER BY random() LIMIT 1)`,
      (w) => [versions(w), pick(['Published', 'Published', 'Unpublished'])],
    ),
  },
  {
    name: 'download',
    weight: 8,
    run: async ({ world, clickhouse }) =>
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
  },
  {
    name: 'generation',
    weight: 3,
    run: async ({ world, clickhouse }) =>
      queue(clickhouse, 'orchestration.jobs', () => ({
        type: 'TextToImage',
        userId: pick(world.users),
        createdAt: new Date(),
        cost: 4,
        resourcesUsed: [...new Set([pick(versions(world)), pick(versions(world))])],
        status: 'Succeeded',
      })),
  },
  {
    name: 'compensation',
    weight: 1,
    run: async ({ world, clickhouse }) =>
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
  },
];

function queue(
  clickhouse: OperationContext['clickhouse'],
  table: string,
  row: () => Record<string, unknown>,
): number {
  if (!clickhouse) return 0;
  const rows = clickhouse.get(table) ?? [];
  rows.push(row());
  clickhouse.set(table, rows);
  return 1;
}
