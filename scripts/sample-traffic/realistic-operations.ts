// The changes that make traffic realistic rather than friendly: children moved between parents, parents
// deleted with everything beneath them (cascades at every level), and every counted column updated in
// place. Sample traffic adds these when asked (`realistic: true`); each delete is balanced by creates so
// the world keeps entities to work on. After a delete the world forgets what the cascade removed.
import { type Operation, type OperationContext, op, randomRow, sql, update } from './operation.js';
import { pick, random } from './random.js';
import { forgetDeleted, type SampleWorld } from './sample-world.js';

const one = async (ctx: OperationContext, text: string, params: unknown[]): Promise<number> => {
  const id = (await ctx.db.query(text, params)).rows[0].id as number;
  ctx.touched?.push(id, ...params.filter((p): p is number => typeof p === 'number'));
  return id;
};

const versionIds = (w: SampleWorld) => [...w.versions.keys()];
/**
 * Backdated now and then by k + ½ days (k < 20), so day, week and all-time windows differ while no row sits
 * within hours of a window's edge (a cached window is measured from its fill time, a few minutes earlier).
 */
const createdAt = () =>
  new Date(Date.now() - (random() < 0.3 ? (Math.floor(random() * 20) + 0.5) * 86_400_000 : 0));

/** Deletes one entity of `table` picked from `ids`, then drops from the world whatever no longer exists. */
const deleteOne = (table: string, ids: (w: SampleWorld) => number[]) => async (ctx: OperationContext) => {
  const candidates = ids(ctx.world);
  if (candidates.length < 3) return 0;
  const id = pick(candidates);
  ctx.touched?.push(id);
  const changed = (await ctx.db.query(`DELETE FROM "${table}" WHERE id = $1`, [id])).rowCount ?? 0;
  await forgetDeleted(ctx.db, ctx.world);
  return changed;
};

/** An image made with one or two versions (sometimes two of one model), in a post or not yet posted. */
async function createImage(ctx: OperationContext): Promise<number> {
  const w = ctx.world;
  if (w.users.length === 0 || w.versions.size === 0) return 0;
  const postId = w.posts.length > 0 && random() < 0.8 ? pick(w.posts) : null;
  const image = await one(
    ctx,
    `INSERT INTO "Image"("userId","postId",url,"createdAt") VALUES ($1,$2,$3,$4) RETURNING id`,
    [pick(w.users), postId, `realistic/${Date.now()}-${random()}.png`, createdAt()],
  );
  w.images.push(image);
  const first = pick(versionIds(w));
  const sameModel = versionIds(w).filter((v) => v !== first && w.versions.get(v) === w.versions.get(first));
  const second = random() < 0.4 && sameModel.length > 0 ? pick(sameModel) : pick(versionIds(w));
  for (const v of new Set([first, second]))
    await ctx.db.query(`INSERT INTO "ImageResource"("imageId","modelVersionId") VALUES ($1,$2)`, [image, v]);
  if (random() < 0.5) {
    w.threads.push(await one(ctx, `INSERT INTO "Thread"("imageId") VALUES ($1) RETURNING id`, [image]));
  }
  return 3;
}

async function createPost(ctx: OperationContext): Promise<number> {
  const w = ctx.world;
  if (w.users.length === 0 || w.versions.size === 0) return 0;
  const post = await one(
    ctx,
    `INSERT INTO "Post"("userId","modelVersionId",title,"createdAt") VALUES ($1,$2,'realistic',$3) RETURNING id`,
    [pick(w.users), pick(versionIds(w)), createdAt()],
  );
  w.posts.push(post);
  w.threads.push(await one(ctx, `INSERT INTO "Thread"("postId") VALUES ($1) RETURNING id`, [post]));
  return 2;
}

async function createModel(ctx: OperationContext): Promise<number> {
  const w = ctx.world;
  if (w.users.length === 0) return 0;
  const model = await one(
    ctx,
    `INSERT INTO "Model"(name,"userId",status,"createdAt") VALUES ('realistic',$1,'Published',$2) RETURNING id`,
    [pick(w.users), createdAt()],
  );
  w.models.push(model);
  for (const status of ['Published', 'Draft']) {
    const version = await one(
      ctx,
      `INSERT INTO "ModelVersion"("modelId",name,status,"createdAt") VALUES ($1,'v',$2,$3) RETURNING id`,
      [model, status, createdAt()],
    );
    w.versions.set(version, model);
  }
  return 3;
}

async function createUser(ctx: OperationContext): Promise<number> {
  ctx.world.users.push(
    await one(ctx, 'INSERT INTO "User"(username) VALUES ($1) RETURNING id', [
      `realistic-${Date.now()}-${random()}`,
    ]),
  );
  return 1;
}

async function createEntry(ctx: OperationContext): Promise<number> {
  const w = ctx.world;
  if (w.bounties.length === 0 || w.users.length === 0) return 0;
  w.entries.push(
    await one(ctx, `INSERT INTO "BountyEntry"("bountyId","userId") VALUES ($1,$2) RETURNING id`, [
      pick(w.bounties),
      pick(w.users),
    ]),
  );
  return 1;
}

/**
 * A new collection of a live user. Users are deleted (with their collections) often enough that, without
 * new ones, some seeds were left with one collection early and never moved an item between two.
 */
async function createCollection(ctx: OperationContext): Promise<number> {
  const w = ctx.world;
  if (w.users.length === 0) return 0;
  w.collections.push(
    await one(ctx, `INSERT INTO "Collection"(name,"userId") VALUES ($1,$2) RETURNING id`, [
      `realistic-${random()}`,
      pick(w.users),
    ]),
  );
  return 1;
}

/** Moves one item of a collection to another collection (unless the target already holds the same thing). */
const moveCollectionItem = sql(
  `UPDATE "CollectionItem" ci SET "collectionId" = $2
   WHERE ctid = ${randomRow('CollectionItem', 'collectionId')} AND "collectionId" <> $2
     AND NOT EXISTS (SELECT 1 FROM "CollectionItem" o WHERE o."collectionId" = $2 AND (
       o."modelId" = ci."modelId" OR o."imageId" = ci."imageId" OR o."postId" = ci."postId" OR o."articleId" = ci."articleId"))
   RETURNING *`,
  (w) => [w.collections, pick(w.collections)],
);

/** Every change realistic traffic adds to sample traffic. */
export const realisticOperations: Operation[] = [
  // Children moved between parents.
  op('image.move', 2, async (ctx) => {
    const w = ctx.world;
    const target = w.posts.length > 0 && random() < 0.85 ? pick(w.posts) : null;
    return sql(`UPDATE "Image" SET "postId" = $2 WHERE id = $1 RETURNING id, "postId"`, () => [
      pick(w.images),
      target,
    ])(ctx);
  }),
  op('collectionItem.move', 1.5, moveCollectionItem),
  // Every counted column updated in place.
  op(
    'review.tos',
    0.5,
    update('ResourceReview', 'modelVersionId', 'versions', '"tosViolation" = NOT "tosViolation"'),
  ),
  op('comment.tos', 0.3, update('Comment', 'modelId', 'models', '"tosViolation" = NOT "tosViolation"')),
  op('commentV2.tos', 0.3, update('CommentV2', 'threadId', 'threads', '"tosViolation" = NOT "tosViolation"')),
  op(
    'tip.amount',
    0.5,
    update('BuzzTip', 'toUserId', 'users', 'amount = amount + $2', () => [pick([1, 5, 10])]),
  ),
  op(
    'contributor.permissions',
    0.5,
    update('CollectionContributor', 'collectionId', 'collections', 'permissions = $2', () => [
      pick([['VIEW'], ['VIEW', 'ADD'], ['ADD']]),
    ]),
  ),
  op(
    'benefactor.amount',
    0.3,
    update('BountyBenefactor', 'bountyId', 'bounties', '"unitAmount" = "unitAmount" + $2', () => [
      pick([5, 10]),
    ]),
  ),
  // Parents deleted with everything beneath them, and new parents to keep the world populated.
  op(
    'image.delete',
    1,
    deleteOne('Image', (w) => w.images),
  ),
  op(
    'post.delete',
    0.4,
    deleteOne('Post', (w) => w.posts),
  ),
  op('version.delete', 0.3, deleteOne('ModelVersion', versionIds)),
  op(
    'model.delete',
    0.15,
    deleteOne('Model', (w) => w.models),
  ),
  op(
    'entry.delete',
    0.2,
    deleteOne('BountyEntry', (w) => w.entries),
  ),
  op('collection.create', 0.3, createCollection),
  op(
    'collection.delete',
    0.1,
    deleteOne('Collection', (w) => w.collections),
  ),
  // Three times as often as collections: the realistic truth test requires at least one user deletion,
  // and at 0.1 a 40 s run had none for some seeds (about 2 expected, so ~1 run in 7).
  op(
    'user.delete',
    0.3,
    deleteOne('User', (w) => w.users),
  ),
  op('image.create', 1.5, createImage),
  op('post.create', 0.5, createPost),
  op('model.create', 0.2, createModel),
  op('user.create', 0.15, createUser),
  op('entry.create', 0.2, createEntry),
];
