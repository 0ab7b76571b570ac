/**
 * A parent whose metrics a listener cannot keep exact with deltas (a count over a join whose tables change
 * on other partitions, in any order): the host recomputes them from the source at a consistent snapshot
 * once the other partitions have had time to deliver (docs/architecture.md, "Recompute on touch").
 * `metrics` narrows the recompute; absent means every metric of the entity type that some truth covers.
 */
export interface MetricTouch {
  entityType: string;
  entityId: number;
  metrics?: readonly string[];
}

/** Where the pipeline puts a batch's touches, after its metric events are stored and before its offsets are committed. */
export interface TouchSink {
  add(touches: readonly MetricTouch[]): Promise<void>;
}

/** Touches without repeats (same entity and metrics), in first-seen order. */
export function distinctTouches(touches: readonly MetricTouch[]): MetricTouch[] {
  const seen = new Map<string, MetricTouch>();
  for (const t of touches) {
    const key = touchMember(t);
    if (!seen.has(`${t.entityType}\u0000${key}`)) seen.set(`${t.entityType}\u0000${key}`, t);
  }
  return [...seen.values()];
}

/**
 * A touch's member in its entity type's queue: `<id>` for every metric, `<id>:<m1>,<m2>` (sorted) for some.
 * Metric names never contain `:` or `,`.
 */
export function touchMember(t: Pick<MetricTouch, 'entityId' | 'metrics'>): string {
  return t.metrics && t.metrics.length > 0
    ? `${t.entityId}:${[...new Set(t.metrics)].sort().join(',')}`
    : `${t.entityId}`;
}

/** Reads a queue member back (see `touchMember`). */
export function parseTouchMember(member: string): { entityId: number; metrics?: string[] } {
  const colon = member.indexOf(':');
  if (colon < 0) return { entityId: Number(member) };
  return { entityId: Number(member.slice(0, colon)), metrics: member.slice(colon + 1).split(',') };
}
