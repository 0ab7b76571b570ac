import type { RollupDifference } from '@engagement/event-bus/sinks/clickhouse';
import type { RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import type { NotReconcilable } from '@engagement/event-bus/truth';
import type { PluginDefinition } from '@engagement/plugin-api';
import type { Producer } from 'kafkajs';
import type { CacheDifference } from './cache-check.js';
import type { Difference } from './compare.js';
import type { EntitySelection } from './entity-selection.js';
import type { MetricReport } from './report-totals.js';
import type { RoundOptions } from './round.js';

export interface ReconcileOptions extends Omit<RoundOptions, 'waitMs'> {
  plugins: readonly PluginDefinition[];
  /** Connected; required with `repair`. */
  producer?: Producer;
  metricTopic: string;
  /** Entity types to reconcile (default: every type some truth covers). */
  entityTypes?: readonly string[];
  /** Only this metric (of every entity type that has it). */
  metric?: string;
  /** Only these metrics of these entity types (a type absent from the map: all of its metrics). */
  metricsByType?: ReadonlyMap<string, readonly string[]>;
  /**
   * Where corrections come from (default `repair:<run>`, positions from 0): `reserve(n)` hands out an origin
   * and the first of `n` consecutive positions in it, increasing across runs (the recomputer's).
   */
  corrections?: { reserve(count: number): Promise<{ origin: string; firstSeq: number }> };
  /**
   * The touch queue: metrics of entities waiting in it for recompute are in flight, not compared (counted in
   * `waitingForRecompute`). The run then holds the repair lock, so no recompute pass ends between a
   * snapshot and its comparison (docs/architecture.md, point 10). The recomputer's own passes omit it.
   */
  touched?: RedisTouchQueue;
  /**
   * Also wait, before comparing, until the cache applied the metric topic up to its end
   * (`waitForCacheCatchUp`; the recomputer's passes): its corrections then reach the cached hashes after
   * the events they correct, and no count dips below zero meanwhile. Needs a host applying the topic.
   */
  cacheCatchUp?: boolean;
  /** How long to wait for the repair lock's holder before refusing with `EH_REPAIR_LOCKED` (default 0). */
  lockWaitMs?: number;
  /** How long the repair lock outlives this run if it dies holding it (default 60 s; renewed while it runs). */
  lockTtlMs?: number;
  selection: EntitySelection;
  repair?: boolean;
  /**
   * Keep at most this many differences (and cached-hash differences) in the report; the rest are counted
   * in `omitted` (default: keep all). A backfill of millions of rows would otherwise hold every one in memory.
   */
  keepDifferences?: number;
  /** Entities per Postgres transaction (default 500) and batches per catch-up wait (default 8). */
  batchSize?: number;
  batchesPerWait?: number;
  /** How long to wait for the stream to store everything a snapshot sees (default 120 s). */
  waitMs?: number;
  /** ClickHouse-sourced rows younger than this are not compared (default 60 s; see docs/reconcile.md). */
  clickhouseSettleMs?: number;
  /** Names this run (its corrections' origin is `repair:<run>`). */
  run?: string;
  onProgress?(line: string): void;
  /** Called after each batch's truth was read, with its size (a backfill paces itself here). */
  throttle?(entities: number): Promise<void>;
  /** Called once a round is done: compared (and repaired), or not caught up. Throwing stops the run. */
  onRound?(round: RoundDone): Promise<void> | void;
}

/** A finished round: its batches (in id order per type), and whether they were compared. */
export interface RoundDone {
  caughtUp: boolean;
  batches: { entityType: string; entityIds: readonly number[]; truthRows: number }[];
  corrections: number;
}

export interface ReconcileReport {
  run: string;
  /** Entities compared (batches that caught up). */
  entities: number;
  metrics: MetricReport[];
  differences: Difference[];
  cache: CacheDifference[];
  /**
   * Entities' metrics whose read rollup total is not the total of their stored events at or below the
   * rollup's cuts: app reads from ClickHouse are off there while the event table is right. `repair` makes
   * the rollup say what the stored events say (docs/reconcile.md, "The read rollup").
   */
  rollup: RollupDifference[];
  /** Differences and cached-hash differences found but not kept (`keepDifferences`). */
  omitted: { differences: number; cache: number };
  notReconcilable: readonly NotReconcilable[];
  /** Batches not compared because the stream had not stored their snapshot in time: no verdict on them. */
  notCaughtUp: { entityType: string; entities: number; waitingFor: string }[];
  /** Differing groups left out because their entity waits in the touch queue for these metrics. */
  waitingForRecompute: number;
  /** Those groups (every one, whatever `keepDifferences`: `reconcileWithRecheck` compares them again). */
  inFlight: Difference[];
  /**
   * With `reconcileWithRecheck`: each time the groups left out as in flight were compared again, once the
   * recomputer had taken their entities.
   */
  rechecks: Recheck[];
  /** Corrections written, cached hashes refilled, entity metrics whose read rollup was repaired. */
  repaired: { events: number; hashes: number; rollup: number };
  /**
   * Corrections an earlier repair stored in ClickHouse and stopped before publishing (so the cache lacks
   * them): with `repair`, read back and published by this run first; without, how many wait for a repair.
   */
  unpublished: { published: number; waiting: number };
  seconds: number;
  /** Of `seconds`, the time spent waiting for the stream to catch up with the snapshots. */
  catchUpSeconds: number;
  /** With `cacheCatchUp`: rounds compared although the cache had not applied the metric topic (what it lacked). */
  cacheBehind: string[];
}

/** One more comparison of the groups an earlier one left out as in flight (`reconcileWithRecheck`). */
export interface Recheck {
  /** Entities compared again, and the in-flight groups they had. */
  entities: number;
  groups: number;
  /** How long it waited for the recomputer to take them (it stops waiting at its limit). */
  waitedSeconds: number;
  /** Of `entities`, still waiting in the touch queue, untaken, when the wait ended. */
  untaken: number;
  /** Of `groups`, those that differ now (reported as differences) and those in flight again (touched since). */
  off: number;
  stillInFlight: number;
}
