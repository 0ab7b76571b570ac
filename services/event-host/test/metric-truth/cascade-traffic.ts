// The changes of the cascade test: engagement on every table a lookup-using listener reads (reactions,
// image resources, reviews, comments, collection items, tips, tags), moves of collection items between
// collections, and deletes at every level of the tree (a thread, an image, a post, a version, a model, a
// collection, an article, a bounty entry, a bounty, a whole user), each cascading to what hangs below.
import type { CascadeSql } from './cascade-world.js';
import { REACTIONS } from './cascade-world.js';

type Change = (sql: CascadeSql) => Promise<void>;

/** Engagement, picked at random with these weights. */
const ENGAGEMENT: [number, Change][] = [
  [30, (s) => s.react()],
  [
    4,
    (s) =>
      s
        .run(
          'reaction.change',
          `UPDATE "ImageReaction" r SET reaction = $2 WHERE r.id = (SELECT id FROM "ImageReaction" WHERE "imageId" = ANY($1) ORDER BY random() LIMIT 1)
         AND NOT EXISTS (SELECT 1 FROM "ImageReaction" o WHERE o."imageId" = r."imageId" AND o."userId" = r."userId" AND o.reaction = $2)`,
          [s.world.images, s.pick(REACTIONS)],
        )
        .then(() => undefined),
  ],
  [
    4,
    async (s) => {
      const version = s.pick([...s.world.versions.keys()]);
      const userId = s.pick(s.world.users);
      if (version === undefined || userId === undefined) return;
      await s.run(
        'review.create',
        `INSERT INTO "ResourceReview"("modelId","modelVersionId","userId",rating,recommended,"createdAt") VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING`,
        [
          s.world.versions.get(version),
          version,
          userId,
          1 + Math.floor(s.random() * 5),
          s.random() < 0.7,
          s.createdAt(),
        ],
      );
    },
  ],
  [
    4,
    async (s) => {
      const [version, userId] = [s.pick([...s.world.versions.keys()]), s.pick(s.world.users)];
      if (version === undefined || userId === undefined) return;
      await s.run(
        'comment.create',
        `INSERT INTO "Comment"(content,"userId","modelId","modelVersionId") VALUES ('c',$1,$2,$3)`,
        [userId, s.world.versions.get(version), s.random() < 0.5 ? version : null],
      );
    },
  ],
  [
    6,
    async (s) => {
      const [threadId, userId] = [s.pick(s.world.threads), s.pick(s.world.users)];
      if (threadId === undefined || userId === undefined) return;
      await s.run(
        'commentV2.create',
        `INSERT INTO "CommentV2"(content,"userId","threadId","createdAt") VALUES ('c',$1,$2,$3)`,
        [userId, threadId, s.createdAt()],
      );
    },
  ],
  [
    12,
    async (s) => {
      const w = s.world;
      const version = s.pick([...w.versions.keys()]);
      const targets: [string, number | undefined, number | null][] = [
        ['modelId', version === undefined ? undefined : w.versions.get(version), version ?? null],
        ['imageId', s.pick(w.images), null],
        ['postId', s.pick(w.posts), null],
        ['articleId', s.pick(w.articles), null],
      ];
      const [column, target, modelVersionId] = s.pick(targets)!;
      const [collectionId, addedById] = [s.pick(w.collections), s.pick(w.users)];
      if (target === undefined || collectionId === undefined) return;
      await s.run(
        'collectionItem.create',
        `INSERT INTO "CollectionItem"("collectionId","addedById","${column}","modelVersionId","createdAt") VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING`,
        [collectionId, addedById, target, modelVersionId, s.createdAt()],
      );
    },
  ],
  [
    3,
    async (s) => {
      const w = s.world;
      const version = s.pick([...w.versions.keys()]);
      const [type, id] = s.pick<[string, number | undefined]>([
        ['Image', s.pick(w.images)],
        ['Model', s.pick(w.models)],
        ['ModelVersion', version],
        ['Article', s.pick(w.articles)],
      ])!;
      const [from, to] = [s.pick(w.users), s.pick(w.users)];
      if (id === undefined || from === undefined) return;
      await s.run(
        'tip.create',
        `INSERT INTO "BuzzTip"("entityType","entityId","fromUserId","toUserId",amount) VALUES ($1,$2,$3,$4,$5)`,
        [type, id, from, to, s.pick([5, 10, 25])],
      );
    },
  ],
  [
    3,
    async (s) => {
      const [imageId, tagId] = [s.pick(s.world.images), s.pick(s.world.tags)];
      if (imageId === undefined) return;
      await s.run(
        'tagsOnImage.create',
        `INSERT INTO "TagsOnImage"("imageId","tagId") VALUES ($1,$2) ON CONFLICT DO NOTHING`,
        [imageId, tagId],
      );
    },
  ],
  [
    2,
    async (s) => {
      const [imageId, version] = [s.pick(s.world.images), s.pick([...s.world.versions.keys()])];
      if (imageId === undefined || version === undefined) return;
      await s.run(
        'imageResource.create',
        `INSERT INTO "ImageResource"("imageId","modelVersionId") VALUES ($1,$2) ON CONFLICT DO NOTHING`,
        [imageId, version],
      );
    },
  ],
  [
    2,
    async (s) => {
      const [bountyId, userId] = [s.pick(s.world.bounties), s.pick(s.world.users)];
      if (bountyId === undefined || userId === undefined) return;
      s.world.entries.push(await s.insert('bountyEntry.create', 'BountyEntry', { bountyId, userId }));
    },
  ],
  [
    2,
    async (s) => {
      const post = s.pick(s.world.posts);
      if (post !== undefined) await s.createImage(post);
    },
  ],
];

/** An item moved to another collection of the run, unless the target already holds the same thing. */
const moveItem: Change = async (s) => {
  await s.run(
    'collectionItem.move',
    `UPDATE "CollectionItem" ci SET "collectionId" = $2
     WHERE ci.id = (SELECT id FROM "CollectionItem" WHERE "collectionId" = ANY($1) AND "collectionId" <> $2 ORDER BY random() LIMIT 1)
       AND NOT EXISTS (SELECT 1 FROM "CollectionItem" o WHERE o."collectionId" = $2 AND (o."modelId" = ci."modelId"
         OR o."imageId" = ci."imageId" OR o."postId" = ci."postId" OR o."articleId" = ci."articleId"))`,
    [s.world.collections, s.pick(s.world.collections)],
  );
};

/** How many of each kind the cascade phase makes, shuffled among `engagement` engagement changes. */
const CASCADES: [string, number, Change][] = [
  ['collectionItem.move', 60, moveItem],
  [
    'collectionItem.delete',
    8,
    (s) =>
      s
        .run(
          'collectionItem.delete',
          `DELETE FROM "CollectionItem" WHERE id = (SELECT id FROM "CollectionItem" WHERE "collectionId" = ANY($1) ORDER BY random() LIMIT 1)`,
          [s.world.collections],
        )
        .then(() => undefined),
  ],
  ['thread.delete', 4, (s) => s.remove('thread.delete', 'Thread', s.world.threads)],
  ['image.delete', 16, (s) => s.remove('image.delete', 'Image', s.world.images)],
  ['post.delete', 5, (s) => s.remove('post.delete', 'Post', s.world.posts)],
  [
    'version.delete',
    5,
    (s) =>
      s.remove(
        'version.delete',
        'ModelVersion',
        [...s.world.versions.keys()].filter((v) => !s.world.chVersions.has(v)),
      ),
  ],
  ['model.delete', 3, (s) => s.remove('model.delete', 'Model', s.world.models)],
  ['collection.delete', 2, (s) => s.remove('collection.delete', 'Collection', s.world.collections)],
  ['article.delete', 2, (s) => s.remove('article.delete', 'Article', s.world.articles)],
  ['bountyEntry.delete', 3, (s) => s.remove('bountyEntry.delete', 'BountyEntry', s.world.entries)],
  ['bounty.delete', 1, (s) => s.remove('bounty.delete', 'Bounty', s.world.bounties)],
  ['user.delete', 2, (s) => s.remove('user.delete', 'User', s.world.users)],
];

/** One random engagement change. */
export function engage(s: CascadeSql): Promise<void> {
  const total = ENGAGEMENT.reduce((sum, [w]) => sum + w, 0);
  let r = s.random() * total;
  for (const [weight, change] of ENGAGEMENT) {
    r -= weight;
    if (r < 0) return change(s);
  }
  return ENGAGEMENT[0]![1](s);
}

/** The cascade phase's changes, in a seeded order: every kind of `CASCADES` among `engagement` others. */
export function cascadePlan(s: CascadeSql, engagement: number): Change[] {
  const plan: Change[] = [...CASCADES.flatMap(([, n, change]) => Array<Change>(n).fill(change))];
  for (let i = 0; i < engagement; i++) plan.push(engage);
  for (let i = plan.length - 1; i > 0; i--) {
    const j = Math.floor(s.random() * (i + 1));
    [plan[i], plan[j]] = [plan[j]!, plan[i]!];
  }
  return plan;
}
