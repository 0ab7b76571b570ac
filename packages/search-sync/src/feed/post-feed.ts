import { epochMs, type FeedDefinition, idColumn, loadByIds } from './feed-definition.js';

/**
 * The posts feed: published posts (a future `publishedAt` is a scheduled post; the app filters on it), with
 * their enabled tag ids and their cover image (the first image by `index`, then id) and image count.
 */
const POST_FEED_SQL = `
SELECT p."id", p."userId", p."modelVersionId", p."nsfwLevel",
  ${epochMs('p."createdAt"')} AS "createdAt",
  ${epochMs('p."publishedAt"')} AS "publishedAt",
  COALESCE((SELECT array_agg(t."tagId" ORDER BY t."tagId") FROM "TagsOnPost" t
            WHERE t."postId" = p."id" AND NOT t."disabled"), '{}') AS "tagIds",
  cover."id" AS "coverImageId", cover."nsfwLevel" AS "coverNsfwLevel", cover."type"::text AS "coverType",
  (SELECT count(*) FROM "Image" i WHERE i."postId" = p."id")::int AS "imageCount"
FROM "Post" p
LEFT JOIN LATERAL (
  SELECT i."id", i."nsfwLevel", i."type" FROM "Image" i
  WHERE i."postId" = p."id" ORDER BY i."index" NULLS LAST, i."id" LIMIT 1
) cover ON true
WHERE p."id" = ANY($1::int[]) AND p."publishedAt" IS NOT NULL`;

/** Feed of posts (plan step 4), kept current on post, tag and image (cover) changes. */
export const postFeed: FeedDefinition = {
  entityType: 'Post',
  load: loadByIds(POST_FEED_SQL),
  triggers: [
    {
      table: 'Post',
      columns: ['userId', 'modelVersionId', 'nsfwLevel', 'publishedAt'],
      entityIdOf: (row) => idColumn(row, 'id'),
    },
    { table: 'TagsOnPost', columns: ['postId', 'disabled'], entityIdOf: (row) => idColumn(row, 'postId') },
    // Any image of a post may be or become its cover; the count changes on create and delete.
    {
      table: 'Image',
      columns: ['postId', 'index', 'nsfwLevel', 'type'],
      entityIdOf: (row) => idColumn(row, 'postId'),
    },
  ],
  filterableAttributes: [
    'userId',
    'modelVersionId',
    'nsfwLevel',
    'tagIds',
    'coverNsfwLevel',
    'coverType',
    'publishedAt',
  ],
  sortableAttributes: ['id', 'createdAt', 'publishedAt'],
};
