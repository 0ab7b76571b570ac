// The ground truth of every metric, computed straight from the source tables with SQL, independently of
// the listeners: what the metric means, written a second time as a query. The end-to-end test compares
// these with what the listeners stored in ClickHouse (and kept in Redis).
//
// Each metric counts rows that exist now; a window (`since`) keeps rows whose own "createdAt" is at or
// after it, the time a metric event carries for that row (also for its updates and deletes).
import type { ClickHouseClient } from '@clickhouse/client';
import type pg from 'pg';
import type { EntityType } from '../src/index.js';

const KINDS =
  "('Like','likeCount'),('Dislike','dislikeCount'),('Laugh','laughCount'),('Cry','cryCount'),('Heart','heartCount')";
const KIND_METRICS = ['likeCount', 'dislikeCount', 'laughCount', 'cryCount', 'heartCount'];
/** A model's metrics, also kept per version. */
const MODEL_METRICS = [
  'ratingSum',
  'ratingCount',
  'thumbsUpCount',
  'thumbsDownCount',
  'favoriteCount',
  'collectedCount',
  'commentCount',
  'imageCount',
  'tippedCount',
  'tippedAmountCount',
  'downloadCount',
  'generationCount',
  'earnedAmount',
];

/** Every metric of each entity type that the mapping keeps (deprecated ones are absent). */
export const TRUTH_METRICS: Readonly<Record<EntityType, readonly string[]>> = {
  User: ['followingCount', 'followerCount', 'hiddenCount', 'reactionCount', 'uploadCount', 'reviewCount'],
  Model: MODEL_METRICS,
  ModelVersion: MODEL_METRICS,
  Post: [...KIND_METRICS, 'commentCount', 'collectedCount'],
  Image: [
    ...KIND_METRICS,
    'reactionCount',
    'commentCount',
    'collectedCount',
    'tippedCount',
    'tippedAmountCount',
  ],
  Collection: ['itemCount', 'followerCount', 'contributorCount'],
  Tag: ['modelCount', 'imageCount', 'postCount', 'articleCount', 'hiddenCount', 'followerCount'],
  Article: [
    ...KIND_METRICS,
    'commentCount',
    'favoriteCount',
    'collectedCount',
    'hideCount',
    'tippedCount',
    'tippedAmountCount',
  ],
  Bounty: ['favoriteCount', 'trackCount', 'entryCount', 'benefactorCount', 'unitAmountCount', 'commentCount'],
  BountyEntry: [...KIND_METRICS, 'unitAmountCount', 'tippedCount', 'tippedAmountCount'],
};

// Every query takes $1 = ids (int[]) of its entity type and $2 = since (timestamp), and returns
// ("entityId", "metricType", value). `W(alias)` is the window on the counted row.
const W = (a: string) => `${a}."createdAt" >= $2`;
const REVIEW_VISIBLE = `r.exclude = false AND r."tosViolation" = false`;
const COMMENT_VISIBLE = `c.hidden = false AND c."tosViolation" = false`;
const reviewMetrics = (idColumn: string) => `
  SELECT r."${idColumn}" AS "entityId", m."metricType", sum(m.value) AS value
  FROM "ResourceReview" r
  CROSS JOIN LATERAL (VALUES ('ratingSum', r.rating), ('ratingCount', 1),
    ('thumbsUpCount', CASE WHEN r.recommended THEN 1 ELSE 0 END),
    ('thumbsDownCount', CASE WHEN r.recommended THEN 0 ELSE 1 END)) AS m("metricType", value)
  WHERE r."${idColumn}" = ANY($1) AND ${REVIEW_VISIBLE} AND ${W('r')} GROUP BY 1, 2`;
const collectionItems = (idColumn: string, bookmark: boolean, metric: string) => `
  SELECT ci."${idColumn}" AS "entityId", '${metric}' AS "metricType", count(*) AS value
  FROM "CollectionItem" ci JOIN "Collection" col ON col.id = ci."collectionId"
  WHERE ci."${idColumn}" = ANY($1) AND ${bookmark ? `col.mode = 'Bookmark'` : `col.mode IS DISTINCT FROM 'Bookmark'`}
    AND ${W('ci')} GROUP BY 1`;
const threadComments = (idColumn: string) => `
  SELECT t."${idColumn}" AS "entityId", 'commentCount' AS "metricType", count(*) AS value
  FROM "CommentV2" c JOIN "Thread" t ON t.id = c."threadId"
  WHERE t."${idColumn}" = ANY($1) AND ${COMMENT_VISIBLE} AND ${W('c')} GROUP BY 1`;
const modelComments = (idColumn: string) => `
  SELECT c."${idColumn}" AS "entityId", 'commentCount' AS "metricType", count(*) AS value
  FROM "Comment" c WHERE c."${idColumn}" = ANY($1) AND ${COMMENT_VISIBLE} AND ${W('c')} GROUP BY 1`;
const tips = (entityType: string) => `
  SELECT b."entityId", m."metricType", sum(m.value) AS value
  FROM "BuzzTip" b CROSS JOIN LATERAL (VALUES ('tippedCount', 1), ('tippedAmountCount', b.amount)) AS m("metricType", value)
  WHERE b."entityType" = '${entityType}' AND b."entityId" = ANY($1) AND ${W('b')} GROUP BY 1, 2`;
const reactions = (table: string, idColumn: string) => `
  SELECT r."${idColumn}" AS "entityId", k."metricType", count(*) AS value
  FROM "${table}" r JOIN (VALUES ${KINDS}) AS k(kind, "metricType") ON k.kind = r.reaction::text
  WHERE r."${idColumn}" = ANY($1) AND ${W('r')} GROUP BY 1, 2`;
const count = (table: string, idColumn: string, metric: string, where = 'true') => `
  SELECT x."${idColumn}" AS "entityId", '${metric}' AS "metricType", count(*) AS value
  FROM "${table}" x WHERE x."${idColumn}" = ANY($1) AND (${where}) AND ${W('x')} GROUP BY 1`;

/** The Postgres-sourced queries per entity type. */
export const TRUTH_SQL: Readonly<Record<EntityType, readonly string[]>> = {
  User: [
    count('UserEngagement', 'userId', 'followingCount', `x.type = 'Follow'`),
    count('UserEngagement', 'targetUserId', 'followerCount', `x.type = 'Follow'`),
    count('UserEngagement', 'targetUserId', 'hiddenCount', `x.type = 'Hide'`),
    `SELECT i."userId" AS "entityId", 'reactionCount' AS "metricType", count(*) AS value
     FROM "ImageReaction" r JOIN "Image" i ON i.id = r."imageId"
     WHERE i."userId" = ANY($1) AND ${W('r')} GROUP BY 1`,
    `SELECT m."userId" AS "entityId", 'uploadCount' AS "metricType", count(*) AS value
     FROM "ModelVersion" v JOIN "Model" m ON m.id = v."modelId"
     WHERE m."userId" = ANY($1) AND v.status = 'Published' AND ${W('v')} GROUP BY 1`,
    `SELECT r."userId" AS "entityId", 'reviewCount' AS "metricType", count(*) AS value
     FROM "ResourceReview" r WHERE r."userId" = ANY($1) AND ${REVIEW_VISIBLE} AND ${W('r')} GROUP BY 1`,
  ],
  Model: [
    reviewMetrics('modelId'),
    collectionItems('modelId', true, 'favoriteCount'),
    collectionItems('modelId', false, 'collectedCount'),
    modelComments('modelId'),
    `SELECT v."modelId" AS "entityId", 'imageCount' AS "metricType", count(*) AS value
     FROM "ImageResource" x JOIN "ModelVersion" v ON v.id = x."modelVersionId"
     WHERE v."modelId" = ANY($1) AND ${W('x')} GROUP BY 1`,
    tips('Model'),
  ],
  ModelVersion: [
    reviewMetrics('modelVersionId'),
    collectionItems('modelVersionId', true, 'favoriteCount'),
    collectionItems('modelVersionId', false, 'collectedCount'),
    modelComments('modelVersionId'),
    count('ImageResource', 'modelVersionId', 'imageCount'),
    tips('ModelVersion'),
  ],
  Post: [
    `SELECT i."postId" AS "entityId", k."metricType", count(*) AS value
     FROM "ImageReaction" r JOIN "Image" i ON i.id = r."imageId"
     JOIN (VALUES ${KINDS}) AS k(kind, "metricType") ON k.kind = r.reaction::text
     WHERE i."postId" = ANY($1) AND ${W('r')} GROUP BY 1, 2`,
    threadComments('postId'),
    collectionItems('postId', false, 'collectedCount'),
  ],
  Image: [
    reactions('ImageReaction', 'imageId'),
    count('ImageReaction', 'imageId', 'reactionCount'),
    threadComments('imageId'),
    collectionItems('imageId', false, 'collectedCount'),
    tips('Image'),
  ],
  Collection: [
    count('CollectionItem', 'collectionId', 'itemCount'),
    count('CollectionContributor', 'collectionId', 'followerCount', `'VIEW' = ANY(x.permissions)`),
    count('CollectionContributor', 'collectionId', 'contributorCount', `'ADD' = ANY(x.permissions)`),
  ],
  Tag: [
    count('TagsOnModels', 'tagId', 'modelCount'),
    count('TagsOnImage', 'tagId', 'imageCount', 'x.disabled = false'),
    count('TagsOnPost', 'tagId', 'postCount', 'x.disabled = false'),
    count('TagsOnArticle', 'tagId', 'articleCount'),
    count('TagEngagement', 'tagId', 'hiddenCount', `x.type = 'Hide'`),
    count('TagEngagement', 'tagId', 'followerCount', `x.type = 'Follow'`),
  ],
  Article: [
    reactions('ArticleReaction', 'articleId'),
    threadComments('articleId'),
    collectionItems('articleId', true, 'favoriteCount'),
    collectionItems('articleId', false, 'collectedCount'),
    count('ArticleEngagement', 'articleId', 'hideCount', `x.type = 'Hide'`),
    tips('Article'),
  ],
  Bounty: [
    count('BountyEngagement', 'bountyId', 'favoriteCount', `x.type = 'Favorite'`),
    count('BountyEngagement', 'bountyId', 'trackCount', `x.type = 'Track'`),
    count('BountyEntry', 'bountyId', 'entryCount'),
    count('BountyBenefactor', 'bountyId', 'benefactorCount'),
    `SELECT x."bountyId" AS "entityId", 'unitAmountCount' AS "metricType", sum(x."unitAmount") AS value
     FROM "BountyBenefactor" x WHERE x."bountyId" = ANY($1) AND ${W('x')} GROUP BY 1`,
    threadComments('bountyId'),
  ],
  BountyEntry: [
    reactions('BountyEntryReaction', 'bountyEntryId'),
    `SELECT x."awardedToId" AS "entityId", 'unitAmountCount' AS "metricType", sum(x."unitAmount") AS value
     FROM "BountyBenefactor" x WHERE x."awardedToId" = ANY($1) AND ${W('x')} GROUP BY 1`,
    tips('BountyEntry'),
  ],
};

/** Entity ids to compute, per entity type. */
export type TruthScope = Partial<Record<EntityType, readonly number[]>>;

/** `<entityType>:<entityId>:<metricType>` → value; every metric of every entity in scope is present. */
export type MetricTable = Map<string, number>;

export const metricKey = (entityType: string, entityId: number, metricType: string) =>
  `${entityType}:${entityId}:${metricType}`;

/** Window start for a timeframe ending at `nowMs` (`null` = all time). */
export function windowStart(timeframe: 'all' | 'day' | 'week', nowMs: number): Date | null {
  if (timeframe === 'all') return null;
  return new Date(nowMs - (timeframe === 'day' ? 1 : 7) * 86_400_000);
}

/**
 * Every metric of every entity in `scope`, from Postgres (and, for downloads, generations and earnings,
 * from the ClickHouse source tables), counting rows created at or after `since` (all rows when null).
 */
export async function computeGroundTruth(
  db: pg.Client,
  clickhouse: ClickHouseClient,
  scope: TruthScope,
  since: Date | null,
): Promise<MetricTable> {
  const out: MetricTable = new Map();
  const sinceText = since ? since.toISOString().replace('T', ' ').replace('Z', '') : '-infinity';
  for (const [type, ids] of Object.entries(scope) as [EntityType, number[]][]) {
    for (const id of ids) for (const m of TRUTH_METRICS[type]) out.set(metricKey(type, id, m), 0);
    for (const sql of TRUTH_SQL[type]) {
      const rows = await db.query<{ entityId: number; metricType: string; value: string }>(sql, [
        ids,
        sinceText,
      ]);
      for (const r of rows.rows) out.set(metricKey(type, r.entityId, r.metricType), Number(r.value));
    }
  }
  for (const [key, value] of await clickhouseSourceTruth(db, clickhouse, scope, since)) out.set(key, value);
  return out;
}

/** downloadCount, generationCount and earnedAmount of the scope's models and versions. */
async function clickhouseSourceTruth(
  db: pg.Client,
  clickhouse: ClickHouseClient,
  scope: TruthScope,
  since: Date | null,
): Promise<MetricTable> {
  const out: MetricTable = new Map();
  const versions = await db.query<{ id: number; modelId: number }>(
    `SELECT id, "modelId" FROM "ModelVersion"`,
  );
  const modelOf = new Map(versions.rows.map((v) => [v.id, v.modelId]));
  const sinceMs = since?.getTime() ?? 0;
  const rows = async <T>(query: string) =>
    (
      await clickhouse.query({ query, query_params: { since: sinceMs / 1000 }, format: 'JSONEachRow' })
    ).json<T>();
  const add = (type: 'Model' | 'ModelVersion', id: number, metric: string, value: number) => {
    if (!scope[type]?.includes(id)) return;
    const key = metricKey(type, id, metric);
    out.set(key, (out.get(key) ?? 0) + value);
  };
  for (const type of ['Model', 'ModelVersion'] as const)
    for (const id of scope[type] ?? [])
      for (const m of ['downloadCount', 'generationCount', 'earnedAmount'])
        out.set(metricKey(type, id, m), 0);

  const downloads = await rows<{ modelId: number; modelVersionId: number }>(
    `SELECT modelId, modelVersionId FROM modelVersionEvents
     WHERE type = 'Download' AND time >= toDateTime64({since:Float64}, 3, 'UTC')`,
  );
  for (const d of downloads) {
    add('ModelVersion', d.modelVersionId, 'downloadCount', 1);
    add('Model', d.modelId, 'downloadCount', 1);
  }
  const jobs = await rows<{ resourcesUsed: number[] }>(
    `SELECT resourcesUsed FROM orchestration.jobs WHERE createdAt >= toDateTime64({since:Float64}, 3, 'UTC')`,
  );
  for (const job of jobs) {
    const used = [...new Set(job.resourcesUsed.map(Number))];
    for (const v of used) add('ModelVersion', v, 'generationCount', 1);
    for (const m of new Set(used.map((v) => modelOf.get(v)).filter((m) => m !== undefined)))
      add('Model', m, 'generationCount', 1);
  }
  const pay = await rows<{ modelVersionId: number; total: number }>(
    `SELECT modelVersionId, total FROM buzz_resource_compensation
     WHERE createdAt >= toDateTime64({since:Float64}, 3, 'UTC')`,
  );
  for (const p of pay) {
    add('ModelVersion', p.modelVersionId, 'earnedAmount', Number(p.total));
    const model = modelOf.get(p.modelVersionId);
    if (model !== undefined) add('Model', model, 'earnedAmount', Number(p.total));
  }
  return out;
}

/** What the listeners stored: sum of metric events (FINAL) per entity and metric, windowed like the truth. */
export async function readClickHouseMetrics(
  clickhouse: ClickHouseClient,
  scope: TruthScope,
  since: Date | null,
): Promise<MetricTable> {
  const out: MetricTable = new Map();
  for (const [type, ids] of Object.entries(scope) as [EntityType, number[]][]) {
    if (ids.length === 0) continue;
    const result = await clickhouse.query({
      query: `SELECT entityId, metricType, sum(metricValue) AS total FROM entityMetricEvents FINAL
              WHERE entityType = {type:String} AND entityId IN {ids:Array(Int64)}
                AND createdAt >= toDateTime64({since:Float64}, 3, 'UTC')
              GROUP BY entityId, metricType`,
      query_params: { type, ids, since: (since?.getTime() ?? 0) / 1000 },
      format: 'JSONEachRow',
    });
    for (const r of await result.json<{
      entityId: string | number;
      metricType: string;
      total: string | number;
    }>())
      out.set(metricKey(type, Number(r.entityId), r.metricType), Number(r.total));
  }
  return out;
}

/** Keys whose values differ (a key missing on one side counts as 0 there). */
export function diffMetrics(truth: MetricTable, actual: MetricTable): string[] {
  const keys = new Set([...truth.keys(), ...actual.keys()]);
  const out: string[] = [];
  for (const key of [...keys].sort()) {
    const t = truth.get(key) ?? 0;
    const a = actual.get(key) ?? 0;
    if (t !== a) out.push(`${key}: truth ${t}, got ${a}`);
  }
  return out;
}
