import type { SearchSyncStats } from '@engagement/search-sync';
import { Gauge, type Registry } from 'prom-client';
import { mirroredTotal } from './mirrored-total.js';

/**
 * search-sync: queue sizes, flushes and failures, and when a flush last succeeded. `read` is shared by every
 * series of one scrape (see `sharedWhileInFlight`). The flush totals are mirrored from search-sync's stats
 * (a plugin package: it reports no instrumentation events); the rest is sampled.
 */
export function searchMetrics(
  registers: Registry[],
  prefix: string,
  read: () => Promise<SearchSyncStats>,
): void {
  const queuedIds: Gauge<'queue' | 'entity_type'> = new Gauge({
    name: `${prefix}search_queued_ids`,
    help: 'Entity ids waiting for the next search-sync flush, per queue (metrics or feed) and entity type',
    labelNames: ['queue', 'entity_type'],
    registers,
    collect: async () => {
      const { queued } = await read();
      queuedIds.reset();
      for (const [queue, sizes] of Object.entries(queued))
        for (const [type, n] of Object.entries(sizes)) queuedIds.set({ queue, entity_type: type }, n);
      // Each indexed entity type has a series, at 0 when its queue is empty.
      for (const type of ['Image', 'Post', 'Model'])
        if (queued.metrics[type] === undefined) queuedIds.set({ queue: 'metrics', entity_type: type }, 0);
    },
  });
  mirroredTotal(
    registers,
    `${prefix}search_flushes_total`,
    'search-sync flushes that completed',
    async () => (await read()).flushes,
  );
  mirroredTotal(
    registers,
    `${prefix}search_flush_failures_total`,
    'search-sync flushes that failed (ids stay queued)',
    async () => (await read()).failures,
  );
  const lastSuccess: Gauge = new Gauge({
    name: `${prefix}search_last_success_timestamp_seconds`,
    help: 'When a search-sync flush last succeeded (0: not since start)',
    registers,
    collect: async () => {
      const at = (await read()).lastSuccessAt;
      lastSuccess.set(at ? at.getTime() / 1000 : 0);
    },
  });
}

/** Calls `read` once for all callers that ask while a call is pending; the next caller after it settles reads anew. */
export function sharedWhileInFlight<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= read().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
