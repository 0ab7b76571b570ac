import { describe, expect, it } from 'vitest';
import { emptyStats, recordStats } from './stats.js';

describe('recordStats', () => {
  it('keeps the running totals from the instrumentation events', () => {
    const stats = emptyStats();
    const runs = { a: { ok: 2, retried: 1, failed: 0, seconds: 0.5 } };
    recordStats(stats, { type: 'ingest.batch.processed', records: 3, listenerRuns: runs });
    recordStats(stats, { type: 'ingest.batch.processed', records: 4, listenerRuns: runs });
    recordStats(stats, { type: 'ingest.record.skipped' });
    recordStats(stats, { type: 'ingest.resend.skipped' });
    recordStats(stats, { type: 'ingest.resend.skipped' });
    recordStats(stats, { type: 'sink.clickhouse.stored', rows: 10 });
    recordStats(stats, { type: 'sink.redis.applied', applied: 6, skipped: 4, keysUpdated: 2 });
    recordStats(stats, {
      type: 'sink.redis.applied',
      applied: 1,
      skipped: 0,
      keysUpdated: 1,
      onThread: true,
    });
    recordStats(stats, { type: 'sink.batch', sink: 'clickhouse', rows: 10, seconds: 0.75 });
    recordStats(stats, { type: 'sink.batch', sink: 'redis', rows: 10, seconds: 9 });
    recordStats(stats, { type: 'recompute.touches.queued', count: 5 });
    recordStats(stats, { type: 'cache.rollback.detected' });
    recordStats(stats, { type: 'dead_letter.written', code: 'EB_LISTENER_FAILED', listenerId: 'a' });
    expect(stats).toEqual({
      consumed: 7,
      skipped: 1,
      resendsSkipped: 2,
      touchesQueued: 5,
      deadLetters: 1,
      metricEventsStored: 10,
      cacheEventsApplied: 7,
      cacheEventsSkipped: 4,
      cacheKeysUpdated: 3,
      cacheBatchesOnThreads: 1,
      cacheRollbacks: 1,
      flushes: 1,
      lastFlushSeconds: 0.75,
      perListener: { a: { ok: 4, retried: 2, failed: 0, seconds: 1 } },
    });
    // The batch's own totals are not changed by adding them up.
    expect(runs.a.ok).toBe(2);
  });
});
