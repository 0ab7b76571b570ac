import { epochMs, type FeedDefinition, idColumn, loadByIds } from './feed-definition.js';

/**
 * The models feed: published, not deleted models, with their published versions' ids and base models and
 * their tag ids. Numbers and raw filter/sort fields only; metrics are added by the flush.
 */
const MODEL_FEED_SQL = `
SELECT m."id", m."userId", m."type"::text AS "type", m."nsfw",
  ${epochMs('m."createdAt"')} AS "createdAt",
  ${epochMs('m."publishedAt"')} AS "publishedAt",
  ${epochMs('m."lastVersionAt"')} AS "lastVersionAt",
  COALESCE((SELECT array_agg(t."tagId" ORDER BY t."tagId") FROM "TagsOnModels" t
            WHERE t."modelId" = m."id"), '{}') AS "tagIds",
  COALESCE((SELECT array_agg(v."id" ORDER BY v."index", v."id") FROM "ModelVersion" v
            WHERE v."modelId" = m."id" AND v."status" = 'Published'), '{}') AS "versionIds",
  COALESCE((SELECT array_agg(DISTINCT v."baseModel" ORDER BY v."baseModel") FROM "ModelVersion" v
            WHERE v."modelId" = m."id" AND v."status" = 'Published'), '{}') AS "baseModels"
FROM "Model" m
WHERE m."id" = ANY($1::int[]) AND m."status" = 'Published' AND m."deletedAt" IS NULL`;

/** Feed of models (plan step 4), kept current on model, version and tag changes. */
export const modelFeed: FeedDefinition = {
  entityType: 'Model',
  load: loadByIds(MODEL_FEED_SQL),
  triggers: [
    {
      table: 'Model',
      columns: ['status', 'nsfw', 'type', 'userId', 'publishedAt', 'lastVersionAt', 'deletedAt'],
      entityIdOf: (row) => idColumn(row, 'id'),
    },
    {
      table: 'ModelVersion',
      columns: ['modelId', 'status', 'baseModel', 'index'],
      entityIdOf: (row) => idColumn(row, 'modelId'),
    },
    { table: 'TagsOnModels', entityIdOf: (row) => idColumn(row, 'modelId') },
  ],
  filterableAttributes: ['userId', 'type', 'nsfw', 'tagIds', 'versionIds', 'baseModels', 'publishedAt'],
  sortableAttributes: ['id', 'createdAt', 'publishedAt', 'lastVersionAt'],
};
