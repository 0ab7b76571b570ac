import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReconcileObserver, ReconcileRun } from '../reconcile/reconcile-observer.js';

export type { ReconcileRun } from '../reconcile/reconcile-observer.js';

/**
 * The periodic reconcile's Prometheus series: per entity type and metric the entities checked, the entities
 * off and the coverage of the last run, plus its time, duration and failures. Only the host holding the
 * reconcile lease runs it; the others export `eventhost_reconcile_leader 0` and no per-metric series.
 */
export class ReconcileGauges implements ReconcileObserver {
  private readonly checked: Gauge<'entity_type' | 'metric'>;
  private readonly mismatched: Gauge<'entity_type' | 'metric'>;
  private readonly coverage: Gauge<'entity_type' | 'metric'>;
  private readonly cacheMismatched: Gauge<'entity_type' | 'metric'>;
  private readonly notCompared: Gauge;
  private readonly waitingForRecompute: Gauge;
  private readonly rollupMismatched: Gauge;
  private readonly lastRun: Gauge;
  private readonly duration: Gauge;
  private readonly interval: Gauge;
  private readonly leader: Gauge;
  private readonly errors: Counter;
  private readonly repaired: Counter;
  private readonly rollupRepaired: Counter;

  constructor(registers: Registry[], prefix: string) {
    const perMetric = (name: string, help: string) =>
      new Gauge({ name: prefix + name, help, labelNames: ['entity_type', 'metric'], registers });
    const gauge = (name: string, help: string) => new Gauge({ name: prefix + name, help, registers });
    const counter = (name: string, help: string) => new Counter({ name: prefix + name, help, registers });
    this.checked = perMetric(
      'reconcile_entities_checked',
      'Entities compared with the truth in the last periodic reconcile',
    );
    this.mismatched = perMetric(
      'reconcile_entities_mismatched',
      'Entities whose stored metric events differ from the truth in the last periodic reconcile',
    );
    this.coverage = perMetric(
      'reconcile_coverage_ratio',
      'Stored ÷ true over the entities of the last periodic reconcile (1 when both are 0)',
    );
    this.cacheMismatched = perMetric(
      'reconcile_cache_entities_mismatched',
      'Entities whose cached hash differs from ClickHouse in the last periodic reconcile',
    );
    this.notCompared = gauge(
      'reconcile_entities_not_compared',
      'Entities of the last periodic reconcile left out because the stream had not stored their snapshot in time',
    );
    this.waitingForRecompute = gauge(
      'reconcile_waiting_for_recompute',
      'Differing groups of the last periodic reconcile left out because their entity waited in the touch queue (in flight)',
    );
    this.rollupMismatched = gauge(
      'reconcile_rollup_mismatched',
      'Entity metrics whose read rollup total differs from their stored events in the last periodic reconcile (app reads from ClickHouse are off there)',
    );
    this.lastRun = gauge(
      'reconcile_last_run_timestamp_seconds',
      'When the last periodic reconcile of this host ended (0: none yet)',
    );
    this.duration = gauge(
      'reconcile_last_run_duration_seconds',
      'How long the last periodic reconcile of this host took',
    );
    this.interval = gauge(
      'reconcile_interval_seconds',
      'Pause between periodic reconciles (reconcile.intervalMs); 0 when the periodic reconcile is off',
    );
    this.leader = gauge(
      'reconcile_leader',
      '1 while this host holds the lease that lets one host of the group run the periodic reconcile',
    );
    this.errors = counter(
      'reconcile_errors_total',
      'Periodic reconciles that failed (see the log line metrics.reconcile.failed)',
    );
    this.repaired = counter(
      'reconcile_repaired_events_total',
      'Corrections the periodic reconcile wrote (reconcile.repair)',
    );
    this.rollupRepaired = counter(
      'reconcile_repaired_rollup_total',
      'Entity metrics whose read rollup the periodic reconcile repaired to their stored events (reconcile.repair)',
    );
  }

  configured(intervalMs: number): void {
    this.interval.set(intervalMs / 1000);
  }

  leading(held: boolean): void {
    this.leader.set(held ? 1 : 0);
  }

  failed(): void {
    this.errors.inc();
  }

  record(run: ReconcileRun): void {
    // A metric of the previous run that this run did not see must not keep its old value.
    for (const g of [this.checked, this.mismatched, this.coverage, this.cacheMismatched]) g.reset();
    for (const m of run.metrics) {
      const labels = { entity_type: m.entityType, metric: m.metric };
      this.checked.set(labels, m.checked);
      this.mismatched.set(labels, m.off);
      this.coverage.set(labels, m.coverage);
      this.cacheMismatched.set(labels, m.cacheOff);
    }
    this.notCompared.set(run.notCompared);
    this.waitingForRecompute.set(run.waitingForRecompute);
    this.rollupMismatched.set(run.rollupOff);
    this.lastRun.set(run.endedAt / 1000);
    this.duration.set(run.seconds);
    if (run.repairedEvents > 0) this.repaired.inc(run.repairedEvents);
    if (run.rollupRepaired > 0) this.rollupRepaired.inc(run.rollupRepaired);
  }
}
