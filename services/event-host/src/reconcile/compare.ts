import type { TruthRow } from '@engagement/event-bus/truth';

/** One (entity, metric, createdAt) group whose stored sum differs from its truth. */
export interface Difference {
  entityType: string;
  entityId: number;
  metric: string;
  createdAtMs: number;
  stored: number;
  truth: number;
}

/** What a comparison found for one metric of one entity type. */
export interface MetricFindings {
  entityType: string;
  metric: string;
  /** Entities compared. */
  checked: number;
  /** Ids of the entities with at least one differing group. */
  off: Set<number>;
  /** Sums over the checked entities, all time: coverage = stored ÷ truth. */
  stored: number;
  truth: number;
}

const key = (entityId: number, metric: string, createdAtMs: number) =>
  `${entityId}\u0000${metric}\u0000${createdAtMs}`;

/**
 * Compares stored sums with the truth per entity, metric and exact `createdAt` (a missing group is 0), so a
 * loss is found even when another group of the same entity hides it in the total, and a repair can date its
 * correction like the events it stands for.
 */
export function compareGroups(
  entityType: string,
  entityIds: readonly number[],
  metrics: readonly string[],
  truth: readonly TruthRow[],
  stored: readonly TruthRow[],
): { findings: MetricFindings[]; differences: Difference[] } {
  const findings = new Map(
    metrics.map((metric) => [
      metric,
      { entityType, metric, checked: entityIds.length, off: new Set<number>(), stored: 0, truth: 0 },
    ]),
  );
  const groups = new Map<string, { row: TruthRow; truth: number; stored: number }>();
  for (const row of truth) {
    const k = key(row.entityId, row.metricType, row.createdAtMs);
    const g = groups.get(k) ?? { row, truth: 0, stored: 0 };
    g.truth += row.value;
    groups.set(k, g);
  }
  for (const row of stored) {
    const k = key(row.entityId, row.metricType, row.createdAtMs);
    const g = groups.get(k) ?? { row, truth: 0, stored: 0 };
    g.stored += row.value;
    groups.set(k, g);
  }
  const differences: Difference[] = [];
  for (const { row, truth: t, stored: s } of groups.values()) {
    const f = findings.get(row.metricType);
    if (!f) continue;
    f.truth += t;
    f.stored += s;
    if (t === s) continue;
    f.off.add(row.entityId);
    differences.push({
      entityType,
      entityId: row.entityId,
      metric: row.metricType,
      createdAtMs: row.createdAtMs,
      stored: s,
      truth: t,
    });
  }
  differences.sort(
    (a, b) => a.entityId - b.entityId || a.metric.localeCompare(b.metric) || a.createdAtMs - b.createdAtMs,
  );
  return { findings: [...findings.values()], differences };
}

/** stored ÷ truth; 1 when both are 0 (nothing to have). */
export function coverageOf(stored: number, truth: number): number {
  if (truth === 0) return stored === 0 ? 1 : Number.POSITIVE_INFINITY;
  return stored / truth;
}
