// The ground truth of every metric, computed straight from the source tables by the truths the listeners
// declare (`truth` of each defineMetricListener: SQL written apart from the listeners' code, per entity and
// createdAt of the counted row). The end-to-end test compares these with what the listeners stored in
// ClickHouse (and kept in Redis).
//
// Each metric counts rows that exist now; a window (`since`) keeps rows whose own "createdAt" is at or
// after it, the time a metric event carries for that row (also for its updates and deletes).
import type { ClickHouseClient } from '@clickhouse/client';
import { metricsOf, readTruth, truthPlan } from '@engagement/event-bus/truth';
import { type EntityType, plugins } from '@engagement/metric-listeners';
import type pg from 'pg';

const ENTITY_TYPES: readonly EntityType[] = [
  'User',
  'Model',
  'ModelVersion',
  'Post',
  'Image',
  'Collection',
  'Tag',
  'Article',
  'Bounty',
  'BountyEntry',
];
const plan = truthPlan(plugins);

/** Every metric of each entity type that some listener declares a truth for. */
export const TRUTH_METRICS: Readonly<Record<EntityType, readonly string[]>> = Object.fromEntries(
  ENTITY_TYPES.map((type) => [type, metricsOf(plan, type)]),
) as unknown as Record<EntityType, readonly string[]>;

/** Entity ids to compute, per entity type. */
export type TruthScope = Partial<Record<EntityType, readonly number[]>>;

/** The entities a test world holds, by kind (versions as ids, or mapped to their model). */
export interface WorldIds {
  users: readonly number[];
  models: readonly number[];
  versions: readonly number[] | ReadonlyMap<number, unknown>;
  posts: readonly number[];
  images: readonly number[];
  collections: readonly number[];
  tags: readonly number[];
  articles: readonly number[];
  bounties: readonly number[];
  entries: readonly number[];
}

/** Every entity of a world, as a truth scope (for a scripted run's world: those it created that still exist). */
export const scopeOfWorld = (w: WorldIds): TruthScope => ({
  User: w.users,
  Model: w.models,
  ModelVersion: w.versions instanceof Map ? [...w.versions.keys()] : (w.versions as readonly number[]),
  Post: w.posts,
  Image: w.images,
  Collection: w.collections,
  Tag: w.tags,
  Article: w.articles,
  Bounty: w.bounties,
  BountyEntry: w.entries,
});

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
  const sinceMs = since?.getTime() ?? Number.NEGATIVE_INFINITY;
  for (const [type, ids] of Object.entries(scope) as [EntityType, number[]][]) {
    for (const id of ids) for (const m of TRUTH_METRICS[type]) out.set(metricKey(type, id, m), 0);
    const rows = await readTruth({
      postgres: db,
      clickhouse,
      truths: (plan.byEntityType.get(type) ?? []).map((p) => p.truth),
      entityIds: ids,
      clickhouseBefore: new Date(Date.now() + 86_400_000),
    });
    for (const r of rows) {
      if (r.createdAtMs < sinceMs) continue;
      const key = metricKey(type, r.entityId, r.metricType);
      out.set(key, (out.get(key) ?? 0) + r.value);
    }
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
