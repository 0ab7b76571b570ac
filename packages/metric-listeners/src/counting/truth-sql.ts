import type { MetricTruth } from '@engagement/plugin-api';
import type { EntityType } from './metric-move.js';

/**
 * Truth declarations written as SQL, a second time and apart from the listeners' code: what each metric
 * means, computed from the source rows per entity and per exact `createdAt` of the counted row. See
 * `MetricTruth` in @engagement/plugin-api for the query contract.
 */
export interface PostgresTruthSpec {
  entity: EntityType;
  /** The metrics the rows count for; with several, `metricType` says which one a row counts for. */
  metrics: string | readonly string[];
  /** FROM clause (joins included); the counted row is aliased `x`. */
  from: string;
  /** Expression of the entity id a row counts for. */
  entityId: string;
  /** Expression of the metric a row counts for (default: the one metric, as a literal). */
  metricType?: string;
  /** Expression of what a row adds (default 1). */
  value?: string;
  /** Which rows count (default: all). */
  where?: string;
  /** The counted row's creation time (default `x."createdAt"`), the time its events carry. */
  createdAt?: string;
}

/** A Postgres truth: `sum(value)` of the rows per entity, metric and `createdAt` (epoch ms). */
export function postgresTruth(spec: PostgresTruthSpec): MetricTruth {
  const metrics = typeof spec.metrics === 'string' ? [spec.metrics] : [...spec.metrics];
  if (spec.metricType === undefined && metrics.length !== 1) {
    throw new TypeError(`a truth of ${spec.entity} counting ${metrics.join(', ')} needs a metricType`);
  }
  const createdAt = spec.createdAt ?? 'x."createdAt"';
  const sql = `SELECT ${spec.entityId} AS "entityId", ${spec.metricType ?? `'${metrics[0]}'`} AS "metricType",
  (extract(epoch FROM ${createdAt}) * 1000)::bigint AS "createdAtMs", sum(${spec.value ?? '1'}) AS "value"
FROM ${spec.from}
WHERE ${spec.entityId} = ANY($1)${spec.where ? ` AND (${spec.where})` : ''}
GROUP BY 1, 2, 3`;
  return Object.freeze({ source: 'postgres', entityType: spec.entity, metrics, sql });
}

/** A ClickHouse truth over the app's ClickHouse source tables (see `MetricTruth` for its parameters). */
export function clickhouseTruth(spec: {
  entity: EntityType;
  metrics: string | readonly string[];
  sql: string;
  lookups?: Record<string, string>;
}): MetricTruth {
  const metrics = typeof spec.metrics === 'string' ? [spec.metrics] : [...spec.metrics];
  return Object.freeze({
    source: 'clickhouse',
    entityType: spec.entity,
    metrics,
    sql: spec.sql,
    ...(spec.lookups ? { lookups: Object.freeze({ ...spec.lookups }) } : {}),
  });
}

/** Reaction kinds (the `ReviewReactions` enum) and their metrics, as an SQL row list `k(kind, metric)`. */
export const REACTION_KINDS_SQL = `(VALUES ('Like', 'likeCount'), ('Dislike', 'dislikeCount'), ('Laugh', 'laughCount'),
  ('Cry', 'cryCount'), ('Heart', 'heartCount')) AS k(kind, "metricType")`;

/** Reactions of a reaction table → the per-kind count of the entity `entityId` names. */
export function reactionKindsTruth(entity: EntityType, from: string, entityId: string): MetricTruth {
  return postgresTruth({
    entity,
    metrics: ['likeCount', 'dislikeCount', 'laughCount', 'cryCount', 'heartCount'],
    from: `${from} JOIN ${REACTION_KINDS_SQL} ON k.kind = x.reaction::text`,
    entityId,
    metricType: 'k."metricType"',
  });
}

/** BuzzTip rows of one entity type → its tippedCount (1 per tip) and tippedAmountCount (the amount). */
export function tipsTruth(entity: EntityType): MetricTruth {
  return postgresTruth({
    entity,
    metrics: ['tippedCount', 'tippedAmountCount'],
    from: `"BuzzTip" x CROSS JOIN LATERAL (VALUES ('tippedCount', 1), ('tippedAmountCount', x.amount)) AS m("metricType", v)`,
    entityId: 'x."entityId"',
    metricType: 'm."metricType"',
    value: 'm.v',
    where: `x."entityType" = '${entity}'`,
  });
}

/** Visible comments (neither hidden nor in violation), for `where`. */
export const VISIBLE_COMMENT_SQL = 'x.hidden = false AND x."tosViolation" = false';

/** Reviews that count (neither excluded nor in violation), for `where`. */
export const COUNTED_REVIEW_SQL = 'x.exclude = false AND x."tosViolation" = false';

/**
 * Lookup for ClickHouse truths of models: version id → model id, for the versions the given models have
 * or had. A version deleted since keeps counting for its model (as downloads do, whose rows name the
 * model): its model comes from the deleted-row archive, which keeps ModelVersion rows for good.
 */
export const MODEL_OF_VERSION_SQL = `SELECT id AS key, "modelId" AS value FROM "ModelVersion" WHERE "modelId" = ANY($1)
UNION ALL
SELECT id AS key, ("row"->>'modelId')::int AS value FROM event_bus.deleted_row
WHERE "tableName" = 'ModelVersion' AND ("row"->>'modelId')::int = ANY($1)`;
