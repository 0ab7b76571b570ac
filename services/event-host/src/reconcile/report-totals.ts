import type { CacheDifference } from './cache-check.js';
import { coverageOf, type MetricFindings } from './compare.js';

/** Per metric of an entity type: entities compared, entities off (ClickHouse, cache) and coverage. */
export interface MetricReport {
  entityType: string;
  metric: string;
  checked: number;
  /** Entities whose stored events differ from the truth for this metric. */
  off: number;
  /** Sums over the checked entities, all time. */
  stored: number;
  truth: number;
  /** stored ÷ truth over the checked entities (1 when both are 0; Infinity, `null` in JSON, when only the truth is 0). */
  coverage: number;
  /** Entities whose cached hash disagrees with ClickHouse for this metric. */
  cacheOff: number;
}

/** Adds up the findings of every round, per entity type and metric. */
export class ReportTotals {
  private readonly byMetric = new Map<
    string,
    {
      entityType: string;
      metric: string;
      checked: number;
      stored: number;
      truth: number;
      off: Set<number>;
      cacheOff: Set<number>;
    }
  >();

  add(findings: readonly MetricFindings[], cache: readonly CacheDifference[]): void {
    for (const f of findings) {
      const t = this.entry(f.entityType, f.metric);
      t.checked += f.checked;
      t.stored += f.stored;
      t.truth += f.truth;
      for (const id of f.off) t.off.add(id);
    }
    for (const d of cache) this.entry(d.entityType, d.metric).cacheOff.add(d.entityId);
  }

  metrics(): MetricReport[] {
    return [...this.byMetric.values()]
      .map((t) => ({
        entityType: t.entityType,
        metric: t.metric,
        checked: t.checked,
        off: t.off.size,
        stored: t.stored,
        truth: t.truth,
        coverage: coverageOf(t.stored, t.truth),
        cacheOff: t.cacheOff.size,
      }))
      .sort((a, b) => a.entityType.localeCompare(b.entityType) || a.metric.localeCompare(b.metric));
  }

  private entry(entityType: string, metric: string) {
    const k = `${entityType}.${metric}`;
    let t = this.byMetric.get(k);
    if (!t) {
      t = { entityType, metric, checked: 0, stored: 0, truth: 0, off: new Set(), cacheOff: new Set() };
      this.byMetric.set(k, t);
    }
    return t;
  }
}
