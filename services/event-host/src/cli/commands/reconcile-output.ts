import { EXIT } from '../../errors.js';
import type { ReconcileReport } from '../../reconcile/reconcile.js';
import { type CliContext, println } from '../cli-context.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Prints the report (a table, or JSON with every detail); the exit code says whether it needs attention. */
export function printReconcileReport(
  ctx: CliContext,
  report: ReconcileReport,
  args: { repair: boolean; json: boolean },
): number {
  const off = report.metrics.some((m) => m.off > 0 || m.cacheOff > 0);
  const attention =
    (off && !args.repair) ||
    (report.rollup.length > 0 && !args.repair) ||
    report.notCaughtUp.length > 0 ||
    report.unpublished.waiting > 0 ||
    report.notReconcilable.length > 0;
  if (args.json) {
    println(ctx.stdout, JSON.stringify(report));
    return attention ? EXIT.attention : EXIT.ok;
  }
  const out = (line = '') => println(ctx.stdout, line);
  out(
    `reconcile ${report.run}: ${report.entities} entities compared in ${report.seconds.toFixed(1)} s (${report.catchUpSeconds.toFixed(1)} s of it waiting for the stream)`,
  );
  out(
    `${'metric'.padEnd(34)} ${'checked'.padStart(8)} ${'off'.padStart(6)} ${'coverage'.padStart(9)} ${'cache off'.padStart(9)}`,
  );
  for (const m of report.metrics) {
    out(
      `${`${m.entityType}.${m.metric}`.padEnd(34)} ${String(m.checked).padStart(8)} ${String(m.off).padStart(6)} ${m.coverage.toFixed(4).padStart(9)} ${String(m.cacheOff).padStart(9)}`,
    );
  }
  for (const d of report.differences.slice(0, 50)) {
    out(
      `  ${d.entityType} ${d.entityId} ${d.metric} @ ${iso(d.createdAtMs)}: stored ${d.stored}, truth ${d.truth}`,
    );
  }
  if (report.differences.length > 50)
    out(`  … and ${report.differences.length - 50} more (--json lists all)`);
  if (report.omitted.differences + report.omitted.cache > 0)
    out(
      `  (${report.omitted.differences} more differences and ${report.omitted.cache} cached fields counted, not kept)`,
    );
  for (const c of report.cache.slice(0, 20))
    out(`  cache ${c.key} ${c.field}: cached ${c.cached}, ClickHouse ${c.expected}`);
  if (report.cache.length > 20) out(`  … and ${report.cache.length - 20} more cached fields`);
  out(
    report.rollup.length === 0
      ? 'read rollup: agrees with the stored events'
      : `read rollup: ${report.rollup.length} entity metric(s) where the rollup (what reads from ClickHouse count) and the stored events differ${args.repair ? '; repaired to the stored events' : '; --repair makes it say what the stored events say (docs/reconcile.md, "The read rollup")'}`,
  );
  for (const r of report.rollup.slice(0, 20))
    out(`  rollup ${r.entityType} ${r.entityId} ${r.metricType}: rolled ${r.rolled}, stored ${r.stored}`);
  if (report.rollup.length > 20) out(`  … and ${report.rollup.length - 20} more (--json lists all)`);
  out(
    `not reconcilable: ${report.notReconcilable.length === 0 ? 'none' : report.notReconcilable.map((n) => `${n.listenerId} (${n.reason})`).join('; ')}`,
  );
  for (const r of report.rechecks)
    out(
      `compared again after ${r.waitedSeconds.toFixed(1)} s: ${r.groups} group(s) of ${r.entities} entities left out as waiting for recompute${r.untaken > 0 ? ` (${r.untaken} entities not taken by the recomputer in that time)` : ''}: ${r.off} off, ${r.stillInFlight} in flight again`,
    );
  if (report.waitingForRecompute > 0)
    out(
      `waiting for recompute: ${report.waitingForRecompute} differing group(s) of entities in the touch queue, left out (in flight; see docs/architecture.md, point 10)`,
    );
  for (const n of report.notCaughtUp)
    out(`not caught up: ${n.entities} ${n.entityType} entities not compared (${n.waitingFor})`);
  if (report.unpublished.waiting > 0)
    out(
      `unpublished: ${report.unpublished.waiting} correction(s) an interrupted repair stored in ClickHouse are not in the cache yet; the next repair (--repair, or the host's recompute pass) publishes them`,
    );
  if (report.unpublished.published > 0)
    out(
      `published ${report.unpublished.published} correction(s) an interrupted repair had stored but not published`,
    );
  if (args.repair) {
    out(
      `repaired: ${report.repaired.events} correction event(s) written, ${report.repaired.hashes} cached hash(es) refilled, ${report.repaired.rollup} read rollup total(s) repaired`,
    );
  }
  return attention ? EXIT.attention : EXIT.ok;
}
