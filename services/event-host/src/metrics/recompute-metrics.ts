import type { InstrumentationSource } from '@engagement/event-bus/runtime';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RecomputeStats } from '../recompute/recomputer.js';

/** What the recompute series read: the recomputer's totals (undefined until it runs) and what waits. */
export type RecomputeReading = () => {
  stats: RecomputeStats | undefined;
  pending(): Promise<Record<string, number>>;
};

/**
 * Recompute on touch: what waits, what was recomputed and corrected, and passes that must be retried. The
 * totals are incremented by the recomputer's `recompute.pass.*` events as its passes end; the leader flag
 * and the pending touches are sampled. Returns the function that stops following the events.
 */
export function recomputeMetrics(
  registers: Registry[],
  prefix: string,
  instrumentation: InstrumentationSource,
  read: RecomputeReading,
): () => void {
  const total = (name: string, help: string) => new Counter({ name: prefix + name, help, registers });
  const entities = total(
    'recompute_entities_total',
    'Touched entities recomputed from the source (this host as leader)',
  );
  const corrections = total(
    'recompute_corrections_total',
    'Corrections recompute wrote (stored minus truth, per group)',
  );
  const failures = total(
    'recompute_failures_total',
    'Recompute passes that failed or were not caught up in time; their touches stay queued',
  );
  const leader: Gauge = new Gauge({
    name: `${prefix}recompute_leader`,
    help: '1 while this host holds the recompute lease',
    registers,
    collect: () => leader.set(+(read().stats?.leader ?? false)),
  });
  const pending: Gauge<'entity_type'> = new Gauge({
    name: `${prefix}recompute_touches_pending`,
    help: 'Touched entities waiting to be recomputed, per entity type (no series until the recomputer runs)',
    labelNames: ['entity_type'],
    registers,
    collect: async () => {
      const waiting = await read()
        .pending()
        .catch(() => undefined);
      pending.reset();
      for (const [type, n] of Object.entries(waiting ?? {})) pending.set({ entity_type: type }, n);
    },
  });
  return instrumentation.subscribe((event) => {
    if (event.type === 'recompute.pass.completed') {
      entities.inc(event.entities);
      corrections.inc(event.corrections);
    } else if (event.type === 'recompute.pass.failed') failures.inc();
  });
}
