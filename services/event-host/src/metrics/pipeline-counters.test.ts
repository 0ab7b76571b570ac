import { createInstrumentation, type Instrumentation } from '@engagement/event-bus/runtime';
import { describe, expect, it } from 'vitest';
import { metricsSource, searchStats } from '../../test/metrics-source.js';
import { HostMetrics } from './host-metrics.js';

const hostMetrics = (instrumentation: Instrumentation) => new HostMetrics(metricsSource({ instrumentation }));

/** The value of one sample line (`name{labels} value`) of the exposition. */
async function sample(metrics: HostMetrics, series: string): Promise<number | undefined> {
  const line = (await metrics.text()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** One pipeline's worth of traffic: what each event says happened. */
function traffic(channel: Instrumentation): void {
  channel.emit({
    type: 'ingest.batch.processed',
    records: 7,
    listenerRuns: {
      'image.reactions': { ok: 5, retried: 2, failed: 1, seconds: 0.25 },
      'not.loaded': { ok: 100, retried: 0, failed: 0, seconds: 1 },
    },
  });
  channel.emit({ type: 'ingest.record.skipped' });
  channel.emit({ type: 'ingest.resend.skipped' });
  channel.emit({ type: 'sink.clickhouse.stored', rows: 11 });
  channel.emit({ type: 'sink.redis.applied', applied: 9, skipped: 2, keysUpdated: 4 });
  channel.emit({ type: 'sink.batch', sink: 'clickhouse', rows: 11, seconds: 0.5 });
  channel.emit({ type: 'recompute.touches.queued', count: 3 });
  channel.emit({ type: 'cache.rollback.detected' });
  channel.emit({ type: 'dead_letter.written', code: 'EB_LISTENER_FAILED', listenerId: 'image.reactions' });
  channel.emit({ type: 'dead_letter.written', code: 'EB_DECODE_INVALID_JSON' });
  channel.emit({ type: 'rollup.rolled', outcome: 'committed', seconds: 0.25 });
  channel.emit({ type: 'rollup.rolled', outcome: 'failed', seconds: 2 });
  channel.emit({ type: 'rollup.compacted', outcome: 'lost', seconds: 1, days: 3 });
}

/** Each counter, and what one `traffic()` adds to it. */
const PER_TRAFFIC: Record<string, number> = {
  eventhost_events_consumed_total: 7,
  eventhost_events_skipped_total: 1,
  eventhost_resends_skipped_total: 1,
  eventhost_metric_events_stored_total: 11,
  eventhost_cache_events_applied_total: 9,
  eventhost_cache_events_skipped_total: 2,
  eventhost_cache_keys_updated_total: 4,
  eventhost_recompute_touches_queued_total: 3,
  eventhost_cache_rollbacks_detected_total: 1,
  'eventhost_listener_events_handled_total{plugin="image-metrics",listener="image.reactions"}': 5,
  'eventhost_listener_retries_total{plugin="image-metrics",listener="image.reactions"}': 2,
  'eventhost_listener_events_failed_total{plugin="image-metrics",listener="image.reactions"}': 1,
  'eventhost_listener_handle_seconds_total{plugin="image-metrics",listener="image.reactions"}': 0.25,
  'eventhost_dead_letters_total{listener="image.reactions",code="EB_LISTENER_FAILED"}': 1,
  'eventhost_dead_letters_total{listener="none",code="EB_DECODE_INVALID_JSON"}': 1,
  'eventhost_sink_batch_rows_count{sink="clickhouse"}': 1,
  'eventhost_sink_batch_rows_sum{sink="clickhouse"}': 11,
  'eventhost_sink_flush_duration_seconds_sum{sink="clickhouse"}': 0.5,
  'eventhost_rollup_rolls_total{outcome="committed"}': 1,
  'eventhost_rollup_rolls_total{outcome="failed"}': 1,
  'eventhost_rollup_rolls_total{outcome="lost"}': 0,
  'eventhost_rollup_compactions_total{outcome="lost"}': 1,
  'eventhost_rollup_compactions_total{outcome="committed"}': 0,
  eventhost_rollup_roll_duration_seconds_count: 2,
  eventhost_rollup_roll_duration_seconds_sum: 2.25,
};

async function expectTimes(metrics: HostMetrics, times: number): Promise<void> {
  for (const [series, amount] of Object.entries(PER_TRAFFIC))
    expect({ series, value: await sample(metrics, series) }).toEqual({ series, value: amount * times });
}

describe('pipeline counters fed by instrumentation events', () => {
  it('start at 0 (every loaded listener has its series) and add exactly what each event carries', async () => {
    const channel = createInstrumentation();
    const metrics = hostMetrics(channel);
    await expectTimes(metrics, 0);
    traffic(channel);
    await expectTimes(metrics, 1);
    expect(await metrics.text()).not.toContain('listener="not.loaded"');
  });

  it('count each event once, however often they are scraped', async () => {
    const channel = createInstrumentation();
    const metrics = hostMetrics(channel);
    traffic(channel);
    for (let i = 0; i < 3; i++) await expectTimes(metrics, 1);
    traffic(channel);
    await expectTimes(metrics, 2);
  });

  it('go on adding when a new pipeline reports to the same channel (a rebuilt pipeline starts from 0)', async () => {
    const channel = createInstrumentation();
    const metrics = hostMetrics(channel);
    traffic(channel);
    await expectTimes(metrics, 1);
    // The first pipeline's totals would read 0 again here; the counters never read them.
    traffic(channel);
    traffic(channel);
    await expectTimes(metrics, 3);
  });

  it('stop following the channel once unsubscribed', async () => {
    const channel = createInstrumentation();
    const metrics = hostMetrics(channel);
    traffic(channel);
    metrics.unsubscribe();
    traffic(channel);
    await expectTimes(metrics, 1);
  });

  it("stamp the rollup's last commit with the host's clock, and only a committed roll", async () => {
    const channel = createInstrumentation();
    const metrics = hostMetrics(channel);
    const series = 'eventhost_rollup_last_commit_timestamp_seconds';
    expect(await sample(metrics, series)).toBe(0);
    channel.emit({ type: 'rollup.rolled', outcome: 'lost', seconds: 1 });
    channel.emit({ type: 'rollup.rolled', outcome: 'idle', seconds: 1 });
    expect(await sample(metrics, series)).toBe(0);
    const before = Date.now() / 1000;
    channel.emit({ type: 'rollup.rolled', outcome: 'committed', seconds: 1 });
    const stamped = (await sample(metrics, series))!;
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(Date.now() / 1000);
  });

  it("show the rollup's daily parts from the last committed roll", async () => {
    const channel = createInstrumentation();
    const metrics = hostMetrics(channel);
    const series = 'eventhost_rollup_daily_active_parts';
    expect(await sample(metrics, series)).toBe(0);
    channel.emit({ type: 'rollup.parts', daily: 12 });
    channel.emit({ type: 'rollup.parts', daily: 9 });
    expect(await sample(metrics, series)).toBe(9);
  });

  it('keep two hosts in one process apart', async () => {
    const a = createInstrumentation();
    const b = createInstrumentation();
    const [ma, mb] = [hostMetrics(a), hostMetrics(b)];
    traffic(a);
    await expectTimes(ma, 1);
    await expectTimes(mb, 0);
  });
});

describe('recompute and search-sync counters, incremented by their events', () => {
  /** A host whose recomputer and search-sync report large running totals: the counters must not read them. */
  const withTotals = (instrumentation: Instrumentation) =>
    new HostMetrics(
      metricsSource({
        instrumentation,
        listenerPlugins: new Map(),
        recompute: () => ({
          stats: {
            passes: 9,
            recomputed: 100,
            corrections: 100,
            notCaughtUp: 100,
            failures: 100,
            leader: true,
          },
          pending: async () => ({}),
        }),
        search: async () => searchStats({ flushes: 100, failures: 100 }),
      }),
    );

  it('count each pass and flush once, by what it carries, and stop counting when unsubscribed', async () => {
    const channel = createInstrumentation();
    const metrics = withTotals(channel);
    const series = [
      'eventhost_recompute_entities_total',
      'eventhost_recompute_corrections_total',
      'eventhost_recompute_failures_total',
      'eventhost_search_flushes_total',
      'eventhost_search_flush_failures_total',
    ];
    const values = async () => Promise.all(series.map((s) => sample(metrics, s)));
    expect(await values()).toEqual([0, 0, 0, 0, 0]);
    channel.emit({ type: 'recompute.pass.completed', entities: 4, corrections: 6 });
    channel.emit({ type: 'recompute.pass.completed', entities: 1, corrections: 0 });
    channel.emit({ type: 'recompute.pass.failed', reason: 'error' });
    channel.emit({ type: 'recompute.pass.failed', reason: 'not_caught_up' });
    channel.emit({ type: 'search.flush.ended', failed: false });
    channel.emit({ type: 'search.flush.ended', failed: true });
    expect(await values()).toEqual([5, 6, 2, 2, 1]);
    expect(await values()).toEqual([5, 6, 2, 2, 1]);
    metrics.unsubscribe();
    channel.emit({ type: 'recompute.pass.completed', entities: 4, corrections: 6 });
    channel.emit({ type: 'search.flush.ended', failed: true });
    expect(await values()).toEqual([5, 6, 2, 2, 1]);
  });
});
