import type { InstrumentationSource } from '@engagement/event-bus/runtime';
import type { SearchSyncStats } from '@engagement/search-sync';
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * search-sync: queue sizes, flushes and failures, and when a flush last succeeded. `read` is shared by every
 * series of one scrape (see `sharedWhileInFlight`). The flush totals are incremented by search-sync's
 * `search.flush.ended` events as flushes end; the rest is sampled. Returns the function that stops
 * following the events.
 */
export function searchMetrics(
  registers: Registry[],
  prefix: string,
  instrumentation: InstrumentationSource,
  read: () => Promise<SearchSyncStats>,
): () => void {
  const queuedIds: Gauge<'queue' | 'entity_type'> = new Gauge({
    name: `${prefix}search_queued_ids`,
    help: 'Entity ids waiting for the next search-sync flush, per queue (metrics or feed) and entity type',
    labelNames: ['queue', 'entity_type'],
    registers,
    collect: async () => {
      // Unread (Redis down or slow): the series keep their last values; sink_up says the sink is down.
      const queued = await read().then(
        (stats) => stats.queued,
        () => undefined,
      );
      if (!queued) return;
      queuedIds.reset();
      for (const [queue, sizes] of Object.entries(queued))
        for (const [type, n] of Object.entries(sizes)) queuedIds.set({ queue, entity_type: type }, n);
      // Each indexed entity type has a series, at 0 when its queue is empty.
      for (const type of ['Image', 'Post', 'Model'])
        if (queued.metrics[type] === undefined) queuedIds.set({ queue: 'metrics', entity_type: type }, 0);
    },
  });
  const flushes = new Counter({
    name: `${prefix}search_flushes_total`,
    help: 'search-sync flushes that ended, the failed ones too (one skipped because another host held the lock is not counted)',
    registers,
  });
  const failures = new Counter({
    name: `${prefix}search_flush_failures_total`,
    help: 'search-sync flushes that failed (ids stay queued)',
    registers,
  });
  const lastSuccess: Gauge = new Gauge({
    name: `${prefix}search_last_success_timestamp_seconds`,
    help: 'When a search-sync flush last succeeded (0: not since start)',
    registers,
    collect: async () => {
      const stats = await read().catch(() => undefined);
      if (stats) lastSuccess.set(stats.lastSuccessAt ? stats.lastSuccessAt.getTime() / 1000 : 0);
    },
  });
  return instrumentation.subscribe((event) => {
    if (event.type !== 'search.flush.ended') return;
    flushes.inc();
    if (event.failed) failures.inc();
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
