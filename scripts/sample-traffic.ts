import {
  buzzResourceCompensation,
  type ClickHouseRowPublisher,
  type ClickHouseSourceTable,
  modelVersionEvents,
  orchestrationJobs,
} from '@engagement/app-db/clickhouse';
import type pg from 'pg';
import { type Operation, type OperationContext, operations } from './sample-traffic/operations.js';
import { random, seedRandom } from './sample-traffic/random.js';
import { realisticOperations } from './sample-traffic/realistic-operations.js';
import { createSampleWorld, type SampleWorld } from './sample-traffic/sample-world.js';

export interface SampleTrafficOptions {
  /**
   * Publishes downloads, generation jobs and compensation rows (ClickHouse sources) to Kafka. Without it,
   * only Postgres changes are made.
   */
  publisher?: ClickHouseRowPublisher;
  /** Filled as traffic runs: changes made in total and per operation. */
  stats?: SampleTrafficStats;
  /** Called once the sample entities exist (e.g. to pre-fill metric caches for them). */
  onWorld?(world: SampleWorld): void;
  /**
   * Adds the hard changes (moves between parents, cascading deletes at every level, in-place updates of
   * every counted column) and publishes a share of ClickHouse rows twice.
   */
  realistic?: boolean;
  /** Makes the run's choices reproducible (print it; pass it again to replay a run). */
  seed?: number;
  /** Filled as traffic runs: each operation with the ids it used or changed, for failure reports. */
  log?: { op: string; ids: number[] }[];
  /** Filled as traffic runs: every id the world ever held, by column name (`userId`, `imageId`, …). */
  everIds?: Record<string, Set<number>>;
  /**
   * Operations that must change something in the run (a test that proves a class of change needs it to
   * happen): until each has, every `FORCE_EVERY`th pick is the first of them still missing instead of a
   * random one. Rare ones otherwise never happened for some seeds and failed the test for nothing.
   */
  atLeastOnce?: readonly string[];
}

/** How often a still-missing `atLeastOnce` operation takes the place of a random pick. */
const FORCE_EVERY = 10;

/** What sample traffic has done so far. */
export interface SampleTrafficStats {
  changes: number;
  byOperation: Record<string, number>;
}

const tables = new Map<string, ClickHouseSourceTable>(
  [modelVersionEvents, orchestrationJobs, buzzResourceCompensation].map((t) => [t.table, t]),
);

/**
 * Writes realistic engagement across every source table of the metric mapping at roughly `perSecond`
 * changes per second, until `signal` aborts: it creates users, models with versions, posts with images,
 * articles, bounties, collections and tags, then reacts, reviews (and changes ratings), comments, collects,
 * tips, follows, tags, backs bounties, and undoes some of it, with downloads, generations and compensation
 * published through `options.publisher` when given (in batches, twice a second).
 */
export async function runSampleTraffic(
  db: pg.Client,
  perSecond: number,
  signal: AbortSignal,
  options: SampleTrafficOptions = {},
): Promise<void> {
  const mix = options.realistic ? [...operations, ...realisticOperations] : operations;
  const unknown = options.atLeastOnce?.filter((name) => !mix.some((o) => o.name === name)) ?? [];
  if (unknown.length > 0)
    throw new Error(`atLeastOnce: no operation named ${unknown.join(', ')} in this mix`);
  if (options.seed !== undefined) {
    seedRandom(options.seed);
    await db.query('SELECT setseed($1)', [(options.seed % 1000) / 1000]);
  }
  const world = await createSampleWorld(db);
  if (options.everIds) rememberIds(world, options.everIds);
  options.onWorld?.(world);
  const stats = options.stats ?? { changes: 0, byOperation: {} };
  const ctx: OperationContext = { db, world, clickhouse: options.publisher ? new Map() : null };
  const total = mix.reduce((s, o) => s + o.weight, 0);
  const choose = (): Operation => {
    let r = random() * total;
    for (const op of mix) {
      r -= op.weight;
      if (r < 0) return op;
    }
    return mix[0]!;
  };
  const missing = mix.filter((o) => options.atLeastOnce?.includes(o.name));
  let picks = 0;
  let lastPublish = Date.now();
  const publish = async () => {
    if (!options.publisher || !ctx.clickhouse) return;
    for (const [table, rows] of ctx.clickhouse) {
      if (rows.length === 0) continue;
      const source = tables.get(table)!;
      const stored = await options.publisher.publish(source, rows.splice(0));
      if (!options.realistic) continue;
      const twice = stored.filter(() => random() < 0.05);
      await options.publisher.republish(source, twice);
      stats.byOperation[`${table}.published-twice`] =
        (stats.byOperation[`${table}.published-twice`] ?? 0) + twice.length;
    }
    lastPublish = Date.now();
  };
  const interval = 1000 / perSecond;
  let next = performance.now();
  while (!signal.aborted) {
    const op = missing.length > 0 && ++picks % FORCE_EVERY === 0 ? missing[0]! : choose();
    ctx.touched = options.log ? [] : undefined;
    const changed = await op.run(ctx);
    if (options.log && changed > 0) options.log.push({ op: op.name, ids: ctx.touched! });
    if (options.everIds) rememberIds(world, options.everIds);
    stats.changes += changed;
    stats.byOperation[op.name] = (stats.byOperation[op.name] ?? 0) + changed;
    if (changed > 0 && missing.includes(op)) missing.splice(missing.indexOf(op), 1);
    if (Date.now() - lastPublish >= 500) await publish();
    // Paced against a schedule, so slow statements do not lower the rate below `perSecond`.
    next += interval;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else if (wait < -1000) next = performance.now();
  }
  await publish();
}

/** Adds the world's current ids to `ever`, under the column names rows reference them by. */
function rememberIds(w: SampleWorld, ever: Record<string, Set<number>>): void {
  const add = (columns: string[], ids: Iterable<number>) => {
    for (const column of columns) {
      ever[column] ??= new Set();
      for (const id of ids) ever[column].add(id);
    }
  };
  add(['userId', 'fromUserId', 'toUserId', 'targetUserId', 'addedById', 'accountId'], w.users);
  add(['modelId'], w.models);
  add(['modelVersionId'], w.versions.keys());
  add(['postId'], w.posts);
  add(['imageId'], w.images);
  add(['articleId'], w.articles);
  add(['bountyId'], w.bounties);
  add(['bountyEntryId', 'awardedToId'], w.entries);
  add(['collectionId'], w.collections);
  add(['tagId'], w.tags);
  add(['threadId'], w.threads);
}
