import type { RedisTouchQueue } from '@engagement/event-bus/sinks/redis';
import { metricsOf, type NotReconcilable, type TruthPlan, truthPlan } from '@engagement/event-bus/truth';
import type { EntityMetricEvent, PluginDefinition } from '@engagement/plugin-api';
import type { Producer } from 'kafkajs';
import { HostError } from '../errors.js';
import { type CacheDifference, checkCachedHashes } from './cache-check.js';
import type { Difference } from './compare.js';
import { correctionsFor, repairOrigin } from './corrections.js';
import { type EntitySelection, entityBatches } from './entity-selection.js';
import { pendingRecompute, waitsForRecompute } from './pending-recompute.js';
import { withRepairLock, writeCorrections } from './repair.js';
import { type MetricReport, ReportTotals } from './report-totals.js';
import { type Batch, compareRound, type RoundOptions, type RoundResult } from './round.js';
import { readSourceSnapshot } from './source-snapshot.js';

export type { MetricReport } from './report-totals.js';

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
   * Where corrections come from (default `repair:<run>`, positions from 0): a fixed origin whose positions
   * `reserveSeqs(n)` hands out, first of `n` consecutive ones, increasing across runs (the recomputer's).
   */
  corrections?: { origin: string; reserveSeqs(count: number): Promise<number> };
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
  /** Differences and cached-hash differences found but not kept (`keepDifferences`). */
  omitted: { differences: number; cache: number };
  notReconcilable: readonly NotReconcilable[];
  /** Batches not compared because the stream had not stored their snapshot in time: no verdict on them. */
  notCaughtUp: { entityType: string; entities: number; waitingFor: string }[];
  /** Differing groups left out because their entity waits in the touch queue for these metrics. */
  waitingForRecompute: number;
  repaired: { events: number; hashes: number };
  seconds: number;
  /** Of `seconds`, the time spent waiting for the stream to catch up with the snapshots. */
  catchUpSeconds: number;
  /** With `cacheCatchUp`: rounds compared although the cache had not applied the metric topic (what it lacked). */
  cacheBehind: string[];
}

/**
 * Compares stored metric events with the listeners' truths, position-consistently (docs/reconcile.md): each
 * batch's truth is read in one Postgres snapshot, the stream is waited for until it has stored everything
 * that snapshot sees, and only the stored events that snapshot sees are summed. With `repair`, writes the
 * differences as corrections (ClickHouse, then the metric topic) and refills cached hashes that disagree.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const started = performance.now();
  const run =
    options.run ??
    `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 6)}`;
  const plan = truthPlan(options.plugins);
  const types = options.entityTypes ?? [...plan.byEntityType.keys()].sort();
  validate(plan, types, options);
  const totals = new ReportTotals();
  const report: ReconcileReport = {
    run,
    entities: 0,
    metrics: [],
    differences: [],
    cache: [],
    omitted: { differences: 0, cache: 0 },
    notReconcilable: plan.notReconcilable,
    notCaughtUp: [],
    waitingForRecompute: 0,
    repaired: { events: 0, hashes: 0 },
    seconds: 0,
    catchUpSeconds: 0,
    cacheBehind: [],
  };
  let seq = 0;
  const runRound = async (batches: Batch[]) => {
    if (batches.length === 0) return;
    const done = (caughtUp: boolean, corrections: number) =>
      options.onRound?.({
        caughtUp,
        corrections,
        batches: batches.map((b) => ({
          entityType: b.source.entityType,
          entityIds: b.source.entityIds,
          truthRows: b.source.truth.length,
        })),
      });
    const entities = batches.reduce((n, b) => n + b.source.entityIds.length, 0);
    const roundOptions = {
      ...options,
      waitMs: options.waitMs ?? 120_000,
      metricTopic: options.cacheCatchUp ? options.metricTopic : undefined,
    };
    const result = await compareRound(roundOptions, batches);
    report.catchUpSeconds += result.catchUp.waitedMs / 1000;
    let waitingFor = result.caughtUp ? undefined : result.catchUp.waitingFor;
    if (result.caughtUp && options.touched) {
      const waiting = await pendingRecompute(roundOptions, options.touched, [
        ...new Set(batches.map((b) => b.source.entityType)),
      ]);
      if (!waiting) waitingFor = 'the stream, to read the touch queue after the comparison';
      else {
        report.catchUpSeconds += waiting.catchUp.waitedMs / 1000;
        leaveOutPending(result, waiting.pending, report);
      }
    }
    if (!result.caughtUp || waitingFor !== undefined) {
      for (const b of batches) {
        const { entityType, entityIds } = b.source;
        report.notCaughtUp.push({ entityType, entities: entityIds.length, waitingFor: waitingFor! });
      }
      options.onProgress?.(`${entities} entities not compared: not caught up (${waitingFor})`);
      await done(false, 0);
      return;
    }
    if (result.cacheBehind !== undefined) report.cacheBehind.push(result.cacheBehind);
    totals.add(result.findings, result.cache);
    report.entities += entities;
    const keep = options.keepDifferences ?? Number.POSITIVE_INFINITY;
    for (const c of result.cache) {
      // One by one, not push(...): a backfill's batches exceed the stack.
      if (report.cache.length < keep) report.cache.push(c);
      else report.omitted.cache++;
    }
    const corrections: EntityMetricEvent[] = [];
    const origin = options.corrections?.origin ?? repairOrigin(run);
    const count = result.differences.reduce((n, d) => n + d.differences.length, 0);
    if (options.repair && options.corrections && count > 0)
      seq = await options.corrections.reserveSeqs(count);
    for (const { batch, differences } of result.differences) {
      for (const d of differences) {
        if (report.differences.length < keep) report.differences.push(d);
        else report.omitted.differences++;
      }
      for (const c of correctionsFor(differences, batch.source.snapshot.text, origin, seq))
        corrections.push(c);
      seq += differences.length;
    }
    const off = [...result.differences.flatMap((d) => d.differences), ...result.cache];
    options.onProgress?.(
      `${entities} entities compared after ${result.catchUp.waitedMs} ms of catch-up: ${new Set(off.map((d) => `${d.entityType}:${d.entityId}`)).size} off`,
    );
    if (!options.repair || off.length === 0) {
      await done(true, 0);
      return;
    }
    await writeCorrections(options.clickhouse, options.producer!, options.metricTopic, corrections);
    report.repaired.events += corrections.length;
    // Refilled after the corrections are stored: a fill then counts them, and their increments are skipped.
    for (const entityType of new Set(off.map((d) => d.entityType))) {
      const ids = [...new Set(off.filter((d) => d.entityType === entityType).map((d) => d.entityId))];
      report.repaired.hashes += (
        await checkCachedHashes({
          redis: options.redis,
          clickhouse: options.clickhouse,
          watermarkKey: options.watermarkKey,
          entityType,
          entityIds: ids,
          repair: true,
        })
      ).refilled;
    }
    await done(true, corrections.length);
  };

  const body = async () => {
    let round: Batch[] = [];
    for (const entityType of types) {
      const only = options.metricsByType?.get(entityType);
      const metrics = metricsOf(plan, entityType).filter(
        (m) => (!options.metric || m === options.metric) && (!only || only.includes(m)),
      );
      if (metrics.length === 0) continue;
      const truths = (plan.byEntityType.get(entityType) ?? [])
        .map((p) => p.truth)
        .filter((t) => t.metrics.some((m) => metrics.includes(m)));
      const clickhouseMetrics = [
        ...new Set(truths.filter((t) => t.source === 'clickhouse').flatMap((t) => t.metrics)),
      ];
      for await (const ids of entityBatches(
        options.postgres,
        entityType,
        options.selection,
        options.batchSize ?? 500,
      )) {
        const source = await readSourceSnapshot({
          ...options,
          entityType,
          entityIds: ids,
          truths,
          metrics: new Set(metrics),
          clickhouseSettleMs: options.clickhouseSettleMs ?? 60_000,
        });
        round.push({ source, metrics, clickhouseMetrics });
        await options.throttle?.(ids.length);
        if (round.length >= (options.batchesPerWait ?? 8)) await runRound(round.splice(0));
      }
    }
    await runRound(round);
    round = [];
  };

  if (options.repair || options.touched)
    await withRepairLock(options.redis, options.watermarkKey, 60_000, body, options.lockWaitMs ?? 0);
  else await body();
  report.metrics = totals.metrics();
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/**
 * Drops the differences of metrics that wait for recompute (in flight) and their entities from the findings,
 * and counts their groups as agreeing in the coverage.
 */
function leaveOutPending(
  result: Extract<RoundResult, { caughtUp: true }>,
  pending: ReadonlySet<string>,
  report: ReconcileReport,
): void {
  const left = new Set<string>();
  const findings = new Map(result.findings.map((f) => [`${f.entityType}:${f.metric}`, f]));
  for (const d of result.differences) {
    const kept = d.differences.filter((x) => !waitsForRecompute(pending, x));
    for (const x of d.differences) {
      if (kept.includes(x)) continue;
      left.add(`${x.entityType}:${x.metric}:${x.entityId}`);
      // Nor do they move the coverage: in flight is neither missing nor extra (counted as agreeing).
      const f = findings.get(`${x.entityType}:${x.metric}`);
      if (f) f.stored += x.truth - x.stored;
    }
    report.waitingForRecompute += d.differences.length - kept.length;
    d.differences = kept;
  }
  for (const f of result.findings)
    for (const id of [...f.off]) if (left.has(`${f.entityType}:${f.metric}:${id}`)) f.off.delete(id);
}

function validate(plan: TruthPlan, types: readonly string[], options: ReconcileOptions): void {
  if (options.repair && !options.producer) throw new TypeError('repair needs a connected producer');
  const unknown = types.filter((t) => !plan.byEntityType.has(t));
  if (unknown.length > 0)
    throw new HostError('EH_USAGE', `no truth covers entity type ${unknown.join(', ')}`);
  if (options.metric && !types.some((t) => metricsOf(plan, t).includes(options.metric!))) {
    throw new HostError('EH_USAGE', `no truth of ${types.join(', ')} covers metric ${options.metric}`);
  }
}
