// Shared pieces of the reconcile tests: the world's entities as a reconcile scope, SQL truth totals, metrics
// read back through the reader, and the two kinds of loss the tests inject (events removed from ClickHouse,
// corrupted cached hashes). The clients they connect are in reconcile-clients.ts (re-exported here).
import type { ClickHouseClient } from '@clickhouse/client';
import { createMetricReader } from '@engagement/event-bus/reader';
import { rollMetricEvents } from '@engagement/event-bus/sinks/clickhouse';
import type { RedisClient, RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import { defaultCacheKeys } from '@engagement/event-bus/sinks/redis';
import { metricsOf, readTruth, truthPlan } from '@engagement/event-bus/truth';
import type { PluginDefinition } from '@engagement/plugin-api';
import type pg from 'pg';
import type { SampleWorld } from '../../../scripts/sample-traffic/sample-world.js';

export {
  connectReconcileClients,
  dropWorldJobs,
  type ReconcileTestClients,
  reconcileClients,
  reconcileEnv,
} from './reconcile-clients.js';

/** Every entity of a sample world now, by entity type (copies: traffic keeps adding some). */
export function worldScope(w: SampleWorld): Map<string, number[]> {
  return new Map<string, number[]>([
    ['User', [...w.users]],
    ['Model', [...w.models]],
    ['ModelVersion', [...w.versions.keys()]],
    ['Post', [...w.posts]],
    ['Image', [...w.images]],
    ['Collection', [...w.collections]],
    ['Tag', [...w.tags]],
    ['Article', [...w.articles]],
    ['Bounty', [...w.bounties]],
    ['BountyEntry', [...w.entries]],
  ]);
}

export const metricKey = (type: string, id: number, metric: string) => `${type}:${id}:${metric}`;

/**
 * Truth per `type:id:metric` (every declared metric present, 0 when none), straight from SQL: all time, or
 * of the rows created at `sinceMs` or later.
 */
export async function truthTotals(
  db: pg.Client,
  clickhouse: ClickHouseClient,
  plugins: readonly PluginDefinition[],
  scope: ReadonlyMap<string, readonly number[]>,
  sinceMs = Number.NEGATIVE_INFINITY,
): Promise<Map<string, number>> {
  const plan = truthPlan(plugins);
  const out = new Map<string, number>();
  for (const [type, ids] of scope) {
    const truths = (plan.byEntityType.get(type) ?? []).map((p) => p.truth);
    for (const id of ids)
      for (const t of truths) for (const m of t.metrics) out.set(metricKey(type, id, m), 0);
    const rows = await readTruth({
      postgres: db,
      clickhouse,
      truths,
      entityIds: ids,
      clickhouseBefore: new Date(Date.now() + 86_400_000),
    });
    for (const r of rows) {
      if (r.createdAtMs < sinceMs) continue;
      const k = metricKey(type, r.entityId, r.metricType);
      out.set(k, (out.get(k) ?? 0) + r.value);
    }
  }
  return out;
}

/**
 * Every metric of `scope` through the reader (filling cached hashes that are missing, as the app's reads
 * do), per timeframe and `type:id:metric`.
 */
export async function readMetrics(
  source: { redis: RedisClient; clickhouse: ClickHouseClient },
  plugins: readonly PluginDefinition[],
  scope: ReadonlyMap<string, readonly number[]>,
  timeframes: readonly ('all' | 'week')[] = ['all'],
): Promise<Map<string, Map<string, number>>> {
  const plan = truthPlan(plugins);
  const reader = createMetricReader(source);
  const out = new Map(timeframes.map((tf) => [tf as string, new Map<string, number>()]));
  for (const [type, ids] of scope) {
    const values = await reader.getMetrics({
      entityType: type,
      entityIds: [...ids],
      metrics: metricsOf(plan, type),
      timeframes: [...timeframes],
    });
    for (const [id, metrics] of values)
      for (const [m, v] of Object.entries(metrics) as [string, Record<string, number>][])
        for (const tf of timeframes) out.get(tf)!.set(metricKey(type, id, m), v[tf]!);
  }
  return out;
}

/** The stored events and the read rollup's copy of them (docs/reading-metrics.md), which never sees deletions. */
const EVENT_TABLES = ['entityMetricEvents', 'entityMetricEvents_recent'];
const DAILY_TABLE = 'entityMetricEvents_daily';

/** The entities of `scope` of one type whose true `metric` is not 0. */
export const nonZeroIds = (
  truth: ReadonlyMap<string, number>,
  scope: ReadonlyMap<string, readonly number[]>,
  type: string,
  metric: string,
): number[] => (scope.get(type) ?? []).filter((id) => (truth.get(metricKey(type, id, metric)) ?? 0) !== 0);

/**
 * Where to plant a loss that reconcile must see: per `[entityType, metric, count]`, the first `count`
 * entities whose true value is not 0, as `[entityType, id, metric]`.
 */
export function lossTargets(
  truth: ReadonlyMap<string, number>,
  scope: ReadonlyMap<string, readonly number[]>,
  picks: readonly (readonly [entityType: string, metric: string, count: number])[],
): (readonly [string, number, string])[] {
  return picks.flatMap(([type, metric, count]) =>
    nonZeroIds(truth, scope, type, metric)
      .slice(0, count)
      .map((id) => [type, id, metric] as const),
  );
}

/**
 * Removes every stored event of these metrics of these entities (a loss upstream of every cache); with
 * `rolledKept`, from the event table alone, after they were rolled (reads still count them).
 */
export async function removeEvents(
  clickhouse: ClickHouseClient,
  lost: readonly (readonly [entityType: string, id: number, metric: string])[],
  options: { rolledKept?: boolean } = {},
) {
  await deleteStored(
    clickhouse,
    '(entityType, entityId, metricType)',
    ['String', 'Int64', 'String'],
    lost,
    options,
  );
}

/** Removes every stored event of these entities (a metric whose history was never written). */
export async function removeEntities(
  clickhouse: ClickHouseClient,
  scope: ReadonlyMap<string, readonly number[]>,
) {
  const entities = [...scope].flatMap(([type, ids]) => ids.map((id) => [type, id] as const));
  await deleteStored(clickhouse, '(entityType, entityId)', ['String', 'Int64'], entities);
}

/**
 * One mutation per table for all the keys (a mutation per entity took ~1 s each), with the keys as a tuple
 * list so the mutation rewrites only the parts whose index may hold them.
 *
 * The test's hosts roll and compact every few hundred ms, and one that read the keys' rows before a deletion
 * writes them back after it (a mutation rewrites only the parts that existed when it began): a compaction
 * folding a month did, and reads then counted the removed events on top of the repair's corrections (CI of
 * 2026-12-06, `rolled 8, stored 4`). So the daily rows are deleted again until none is left once a roll that
 * began after the deletion has committed: no writer that began before it can commit after that roll, and
 * one that began later reads the rows as they are then (none).
 */
async function deleteStored(
  clickhouse: ClickHouseClient,
  columns: string,
  types: readonly string[],
  keys: readonly (readonly (string | number)[])[],
  options: { rolledKept?: boolean } = {},
) {
  if (keys.length === 0) return;
  const params: Record<string, string | number> = {};
  const tuples = keys.map((key, k) => {
    key.forEach((value, i) => {
      params[`k${k}_${i}`] = value;
    });
    return `(${types.map((type, i) => `{k${k}_${i}:${type}}`).join(', ')})`;
  });
  const where = `${columns} IN (${tuples.join(', ')})`;
  const remove = (table: string) =>
    clickhouse.command({
      query: `ALTER TABLE ${table} DELETE WHERE ${where}`,
      query_params: params,
      clickhouse_settings: { mutations_sync: '2' },
    });
  for (const table of EVENT_TABLES) await remove(table);
  if (options.rolledKept) return; // lost from the event table alone: the rollup still counts them
  for (let attempt = 1; attempt <= 5; attempt++) {
    await remove(DAILY_TABLE);
    await commitRoll(clickhouse);
    const rows = await clickhouse.query({
      query: `SELECT count() AS n FROM ${DAILY_TABLE} WHERE ${where}`,
      query_params: params,
      format: 'JSONEachRow',
    });
    const [{ n } = { n: '0' }] = await rows.json<{ n: string }>();
    if (Number(n) === 0) return;
    console.log(`removed events: ${n} daily row(s) written back by a roll that began before the deletion`);
  }
  throw new Error('the daily rows of the removed events kept coming back (5 deletions)');
}

/**
 * Rolls until a roll of ours commits: everything stored by then is rolled. The hosts of the test (and of other
 * test files, on the stack's table) roll too, and may win the race a few times.
 */
export async function commitRoll(clickhouse: ClickHouseClient) {
  for (let attempt = 0; attempt < 20; attempt++) if ((await rollMetricEvents(clickhouse)).committed) return;
  throw new Error('no roll of ours committed in 20 attempts');
}

/** The all-time fields of cached hashes, per `type:id:metric` (absent hashes and fields are left out). */
export async function cachedTotals(
  redis: RedisClient,
  scope: ReadonlyMap<string, readonly number[]>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [type, ids] of scope) {
    for (const id of ids) {
      const hash = await redis.hgetall(defaultCacheKeys.key(type, id));
      for (const [field, value] of Object.entries(hash)) {
        if (!field.startsWith('~') && !field.includes(':'))
          out.set(metricKey(type, id, field), Number(value));
      }
    }
  }
  return out;
}

/** Keys where `actual` differs from `truth` (only keys present in `actual`). */
export function mismatches(
  truth: ReadonlyMap<string, number>,
  actual: ReadonlyMap<string, number>,
): string[] {
  return [...actual]
    .filter(([k, v]) => (truth.get(k) ?? 0) !== v)
    .map(([k, v]) => `${k}: truth ${truth.get(k) ?? 0}, got ${v}`);
}

/**
 * Waits until the recomputer has emptied a touch queue (moves and removals of a post's reactions, a model's
 * images), or throws after `timeoutMs`. A host's queue: `new RedisTouchQueue(redis, config.cacheScope)`.
 */
export async function touchQueueEmpty(queue: RedisTouchQueue, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = (await queue.pending('Post')) + (await queue.pending('Model'));
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending} touched entities still wait for their recompute`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
