/** What a finished periodic reconcile reports (a `ReconcileReport`, shortened). */
export interface ReconcileRun {
  /** Epoch ms at which it ended. */
  endedAt: number;
  seconds: number;
  metrics: readonly {
    entityType: string;
    metric: string;
    checked: number;
    off: number;
    coverage: number;
    cacheOff: number;
  }[];
  /** Entities drawn but not compared (the stream had not caught up with their snapshot in time). */
  notCompared: number;
  /** Differing groups left out as in flight: their entity waited in the touch queue for the recomputer. */
  waitingForRecompute: number;
  /** Corrections written (with `reconcile.repair`). */
  repairedEvents: number;
  /** Entity metrics whose read rollup total differs from their stored events (`ReconcileReport.rollup`). */
  rollupOff: number;
  /** Of them, repaired (with `reconcile.repair`). */
  rollupRepaired: number;
}

/**
 * Where the periodic reconcile reports its runs: the host's Prometheus gauges (`ReconcileGauges`). Defined
 * here so the reconcile does not import the metrics folder, which imports the recomputer that imports it.
 */
export interface ReconcileObserver {
  /** The pause between runs (0: the periodic reconcile is off). */
  configured(intervalMs: number): void;
  /** Whether this host holds the reconcile lease. */
  leading(held: boolean): void;
  failed(): void;
  record(run: ReconcileRun): void;
}
