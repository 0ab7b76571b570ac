import { type RollupDifference, repairRollup } from '@engagement/event-bus/sinks/clickhouse';
import { metricsOf, type TruthPlan, truthPlan } from '@engagement/event-bus/truth';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { HostError } from '../errors.js';
import { checkCachedHashes } from './cache-check.js';
import { correctionsFor, repairOrigin } from './corrections.js';
import { entityBatches, storedEntityIds } from './entity-selection.js';
import { leaveOutPending, pendingRecompute } from './pending-recompute.js';
import type { ReconcileOptions, ReconcileReport } from './reconcile-options.js';
import { withRepairLock, writeCorrections } from './repair.js';
import { ReportTotals } from './report-totals.js';
import { type Batch, compareRound } from './round.js';
import { readSourceSnapshot } from './source-snapshot.js';
import { UnpublishedCorrections } from './unpublished-corrections.js';

export type { ReconcileOptions, ReconcileReport, RoundDone } from './reconcile-options.js';
export type { MetricReport } from './report-totals.js';

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
    rollup: [],
    omitted: { differences: 0, cache: 0 },
    notReconcilable: plan.notReconcilable,
    notCaughtUp: [],
    waitingForRecompute: 0,
    inFlight: [],
    rechecks: [],
    repaired: { events: 0, hashes: 0, rollup: 0 },
    unpublished: { published: 0, waiting: 0 },
    seconds: 0,
    catchUpSeconds: 0,
    cacheBehind: [],
  };
  let seq = 0;
  const unpublished = new UnpublishedCorrections(options.redis, options.watermarkKey);
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
    const waitMs = options.waitMs ?? 120_000;
    const roundOptions = {
      ...options,
      waitMs,
      metricTopic: options.cacheCatchUp ? options.metricTopic : undefined,
      onWaiting:
        options.onProgress &&
        ((what: string, ms: number) =>
          options.onProgress!(
            `waiting for the stream to store what the snapshot saw: ${what} (${Math.round(ms / 1000)} s of at most ${Math.round(waitMs / 1000)} s)`,
          )),
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
    for (const r of result.rollup) report.rollup.push(r);
    for (const c of result.cache) {
      // One by one, not push(...): a backfill's batches exceed the stack.
      if (report.cache.length < keep) report.cache.push(c);
      else report.omitted.cache++;
    }
    const corrections: EntityMetricEvent[] = [];
    let origin = repairOrigin(run);
    const count = result.differences.reduce((n, d) => n + d.differences.length, 0);
    if (options.repair && options.corrections && count > 0)
      ({ origin, firstSeq: seq } = await options.corrections.reserve(count));
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
    if (!options.repair || off.length + result.rollup.length === 0) {
      await done(true, 0);
      return;
    }
    await writeCorrections(
      options.clickhouse,
      options.producer!,
      options.metricTopic,
      corrections,
      unpublished,
    );
    report.repaired.events += corrections.length;
    // The rollup after the corrections (they are above its cuts, or rolled into both sides of the check) and
    // before the refills: a fill reads the rollup.
    report.repaired.rollup += await repairRollupOf(options.clickhouse, result.rollup);
    // Refilled after the corrections are stored: a fill then counts them, and their increments are skipped.
    // Hashes of a rollup that was off may have been filled from it: their entities are checked again too.
    const refill = [...off, ...result.rollup];
    for (const entityType of new Set(refill.map((d) => d.entityType))) {
      const ids = [...new Set(refill.filter((d) => d.entityType === entityType).map((d) => d.entityId))];
      report.repaired.hashes += (
        await checkCachedHashes({
          redis: options.redis,
          clickhouse: options.clickhouse,
          watermarkKey: options.watermarkKey,
          keys: options.cacheKeys,
          entityType,
          entityIds: ids,
          repair: true,
        })
      ).refilled;
    }
    await done(true, corrections.length);
  };

  const storedIds = storedEntityIds(options.clickhouse);
  const body = async () => {
    // An earlier repair that stopped between storing corrections and publishing them: finished first, under
    // the lock, so its positions reach the cache before any later ones of the same origin.
    if (options.repair)
      report.unpublished.published = await unpublished.publish(
        options.clickhouse,
        options.producer!,
        options.metricTopic,
      );
    else report.unpublished.waiting = await unpublished.waiting();
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
        storedIds,
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
    await withRepairLock(
      options.redis,
      options.watermarkKey,
      options.lockTtlMs ?? 60_000,
      body,
      options.lockWaitMs ?? 0,
    );
  else await body();
  report.metrics = totals.metrics();
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/**
 * Repairs the read rollup where the round found it off (`repairRollup`), per entity type; the entity metrics
 * repaired. Asking for every id and metric found is harmless: what agrees gets no row.
 */
async function repairRollupOf(clickhouse: ReconcileOptions['clickhouse'], off: readonly RollupDifference[]) {
  for (const entityType of new Set(off.map((d) => d.entityType))) {
    const of = off.filter((d) => d.entityType === entityType);
    await repairRollup(clickhouse, {
      entityType,
      entityIds: [...new Set(of.map((d) => d.entityId))],
      metricTypes: [...new Set(of.map((d) => d.metricType))],
    });
  }
  return off.length;
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
