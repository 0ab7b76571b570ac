import { Gauge, type Registry } from 'prom-client';
import type { RecomputeStats } from '../recompute/recomputer.js';
import { mirroredTotal } from './mirrored-total.js';

/** What the recompute series read: the recomputer's totals (undefined until it runs) and what waits. */
export type RecomputeReading = () => {
  stats: RecomputeStats | undefined;
  pending(): Promise<Record<string, number>>;
};

/**
 * Recompute on touch: what waits, what was recomputed and corrected, and passes that must be retried. The
 * totals are mirrored from the recomputer's stats at scrape time (it emits no instrumentation events); the
 * leader flag and the pending touches are sampled.
 */
export function recomputeMetrics(registers: Registry[], prefix: string, read: RecomputeReading): void {
  const fromStats = (name: string, help: string, pick: (s: RecomputeStats) => number) =>
    mirroredTotal(registers, prefix + name, help, () => {
      const stats = read().stats;
      return stats ? pick(stats) : 0;
    });
  fromStats(
    'recompute_entities_total',
    'Touched entities recomputed from the source (this host as leader)',
    (s) => s.recomputed,
  );
  fromStats(
    'recompute_corrections_total',
    'Corrections recompute wrote (stored minus truth, per group)',
    (s) => s.corrections,
  );
  fromStats(
    'recompute_failures_total',
    'Recompute passes that failed or were not caught up in time; their touches stay queued',
    (s) => s.failures + s.notCaughtUp,
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
}
