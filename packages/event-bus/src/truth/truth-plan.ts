import type { MetricTruth, PluginDefinition } from '@engagement/plugin-api';

/** One declared truth and the listener it belongs to. */
export interface PlannedTruth {
  pluginId: string;
  listenerId: string;
  truth: MetricTruth;
}

/** A listener whose metrics cannot be compared with the source, and why. */
export interface NotReconcilable {
  pluginId: string;
  listenerId: string;
  reason: string;
}

/** Every truth of a set of plugins, by entity type, and the listeners that declare none. */
export interface TruthPlan {
  /** Entity type → its truths; several listeners moving one metric each declare their share. */
  byEntityType: ReadonlyMap<string, readonly PlannedTruth[]>;
  notReconcilable: readonly NotReconcilable[];
}

/**
 * Collects the truths the plugins' listeners declare. A listener without `truth` is listed as not
 * reconcilable (never silently skipped); `truth: []` means it emits no metrics. A truth declared
 * identically by several listeners (one keeps the metric with deltas, another touches it for recompute)
 * is planned once, by the first: summed twice it would double the metric.
 */
export function truthPlan(plugins: readonly PluginDefinition[]): TruthPlan {
  const byEntityType = new Map<string, PlannedTruth[]>();
  const notReconcilable: NotReconcilable[] = [];
  const planned = new Set<string>();
  for (const plugin of plugins) {
    for (const listener of plugin.listeners) {
      if (listener.truth === undefined) {
        notReconcilable.push({
          pluginId: plugin.id,
          listenerId: listener.id,
          reason: 'declares no truth: its metrics cannot be computed from the source to compare with',
        });
        continue;
      }
      for (const truth of listener.truth) {
        const identity = truthIdentity(truth);
        if (planned.has(identity)) continue;
        planned.add(identity);
        const list = byEntityType.get(truth.entityType) ?? [];
        list.push({ pluginId: plugin.id, listenerId: listener.id, truth });
        byEntityType.set(truth.entityType, list);
      }
    }
  }
  for (const [entityType, list] of byEntityType) {
    for (const metric of mixedSourceMetrics(list)) {
      for (const p of list.filter((x) => x.truth.metrics.includes(metric))) {
        notReconcilable.push({
          pluginId: p.pluginId,
          listenerId: p.listenerId,
          reason: `${entityType}.${metric} has truths over both Postgres and ClickHouse: compared against one source per metric only`,
        });
      }
      byEntityType.set(
        entityType,
        list.filter((x) => !x.truth.metrics.includes(metric)),
      );
    }
  }
  return { byEntityType, notReconcilable };
}

/** Metrics some truths count from Postgres and others from ClickHouse (their snapshots are not comparable). */
function mixedSourceMetrics(list: readonly PlannedTruth[]): string[] {
  const sources = new Map<string, Set<string>>();
  for (const p of list) {
    for (const m of p.truth.metrics) sources.set(m, (sources.get(m) ?? new Set()).add(p.truth.source));
  }
  return [...sources].filter(([, s]) => s.size > 1).map(([m]) => m);
}

/** The metrics a plan can compare for one entity type, sorted. */
export function metricsOf(plan: TruthPlan, entityType: string): string[] {
  const metrics = new Set((plan.byEntityType.get(entityType) ?? []).flatMap((p) => p.truth.metrics));
  return [...metrics].sort();
}

/** Two truths are the same when they count the same metrics of the same entity type with the same queries. */
function truthIdentity(t: MetricTruth): string {
  const lookups = Object.entries(t.lookups ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([t.source, t.entityType, [...t.metrics].sort(), t.sql, lookups]);
}
