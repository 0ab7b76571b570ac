import {
  buzzResourceCompensation,
  type ClickHouseRowPublisher,
  type ClickHouseSourceTable,
  modelVersionEvents,
  orchestrationJobs,
} from '@engagement/app-db/clickhouse';
import type pg from 'pg';
import { type Operation, type OperationContext, operations } from './sample-traffic/operations.js';
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
}

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
  const world = await createSampleWorld(db);
  options.onWorld?.(world);
  const stats = options.stats ?? { changes: 0, byOperation: {} };
  const ctx: OperationContext = { db, world, clickhouse: options.publisher ? new Map() : null };
  const total = operations.reduce((s, o) => s + o.weight, 0);
  const choose = (): Operation => {
    let r = Math.random() * total;
    for (const op of operations) {
      r -= op.weight;
      if (r < 0) return op;
    }
    return operations[0]!;
  };
  let lastPublish = Date.now();
  const publish = async () => {
    if (!options.publisher || !ctx.clickhouse) return;
    for (const [table, rows] of ctx.clickhouse) {
      if (rows.length) await options.publisher.publish(tables.get(table)!, rows.splice(0));
    }
    lastPublish = Date.now();
  };
  const interval = 1000 / perSecond;
  let next = performance.now();
  while (!signal.aborted) {
    const op = choose();
    const changed = await op.run(ctx);
    stats.changes += changed;
    stats.byOperation[op.name] = (stats.byOperation[op.name] ?? 0) + changed;
    if (Date.now() - lastPublish >= 500) await publish();
    // Paced against a schedule, so slow statements do not lower the rate below `perSecond`.
    next += interval;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else if (wait < -1000) next = performance.now();
  }
  await publish();
}
