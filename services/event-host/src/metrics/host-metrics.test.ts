import { createInstrumentation } from '@engagement/event-bus/runtime';
import { describe, expect, it } from 'vitest';
import { metricsSource, searchStats } from '../../test/metrics-source.js';
import { HostMetrics, type MetricsSource } from './host-metrics.js';
import type { ReplicationSlotState } from './replication-slots.js';

/** Two listeners and known build labels. */
const source = (extra: Partial<MetricsSource> = {}): MetricsSource =>
  metricsSource({
    listenerPlugins: new Map([
      ['image.reactions', 'image-metrics'],
      ['model.reviews', 'model-metrics'],
    ]),
    bufferCapacityRows: 100,
    build: { version: '1.2.3', node: 'v20.0.0', commit: 'abc123' },
    ...extra,
  });

describe('host metrics of a fresh host (no traffic)', () => {
  it('have every series an alert watches at 0: dead letters per listener, drift, histograms', async () => {
    const text = await new HostMetrics(source()).text();
    expect(text).toContain(
      'eventhost_dead_letters_total{listener="image.reactions",code="EB_LISTENER_FAILED"} 0',
    );
    expect(text).toContain(
      'eventhost_dead_letters_total{listener="model.reviews",code="EB_LISTENER_FAILED"} 0',
    );
    expect(text).toContain('eventhost_dead_letters_total{listener="none",code="EB_DECODE_INVALID_JSON"} 0');
    expect(text).toContain('eventhost_metric_drift_entities{kind="drifted"} 0');
    expect(text).toContain('eventhost_metric_drift_entities{kind="sampled"} 0');
    expect(text).toContain('eventhost_metric_drift_ratio 0');
    expect(text).toContain('eventhost_cache_rollbacks_detected_total 0');
    expect(text).toContain('eventhost_metric_drift_last_check_timestamp_seconds 0');
    expect(text).toContain('eventhost_sink_flush_duration_seconds_count{sink="clickhouse"} 0');
    expect(text).toContain('eventhost_sink_batch_rows_count{sink="redis"} 0');
  });

  it('count re-sent changes the pipeline skipped, from 0', async () => {
    const instrumentation = createInstrumentation();
    const metrics = new HostMetrics(source({ instrumentation }));
    expect(await metrics.text()).toContain('eventhost_resends_skipped_total 0');
    for (let i = 0; i < 45; i++) instrumentation.emit({ type: 'ingest.resend.skipped' });
    expect(await metrics.text()).toContain('eventhost_resends_skipped_total 45');
  });

  it('counts the first dead letter on the series that already existed', async () => {
    const instrumentation = createInstrumentation();
    const metrics = new HostMetrics(source({ instrumentation }));
    instrumentation.emit({
      type: 'dead_letter.written',
      code: 'EB_LISTENER_FAILED',
      listenerId: 'image.reactions',
    });
    expect(await metrics.text()).toContain(
      'eventhost_dead_letters_total{listener="image.reactions",code="EB_LISTENER_FAILED"} 1',
    );
  });

  it('exports build info', async () => {
    const text = await new HostMetrics(source()).text();
    expect(text).toContain('eventhost_build_info{version="1.2.3",node="v20.0.0",commit="abc123"} 1');
    const own = await new HostMetrics(source({ build: undefined })).text();
    expect(own).toMatch(/eventhost_build_info\{version="0\.1\.0",node="v\d+[^"]*"\} 1/);
  });

  it('has sink_up{sink="search"} only when the host runs search-sync, 0 after a failed flush', async () => {
    expect(await new HostMetrics(source()).text()).not.toContain('sink="search"} 1');
    expect(await new HostMetrics(source()).text()).not.toMatch(/eventhost_sink_up\{sink="search"\}/);
    let failures = 0;
    const metrics = new HostMetrics(
      source({ search: async () => searchStats({ failures, consecutiveFailures: failures }) }),
    );
    expect(await metrics.text()).toContain('eventhost_sink_up{sink="search"} 1');
    failures = 2;
    expect(await metrics.text()).toContain('eventhost_sink_up{sink="search"} 0');
  });

  it("answers a scrape when search-sync's stats cannot be read (Redis down): its sink down, last queue sizes kept", async () => {
    let down = false;
    const metrics = new HostMetrics(
      source({
        search: async () => {
          if (down) throw new Error('no answer within 2000 ms');
          return searchStats({ queued: { metrics: { Image: 7 }, feed: {} } });
        },
        recompute: () => ({ stats: undefined, pending: () => Promise.reject(new Error('redis down')) }),
      }),
    );
    expect(await metrics.text()).toContain(
      'eventhost_search_queued_ids{queue="metrics",entity_type="Image"} 7',
    );
    down = true;
    const text = await metrics.text();
    expect(text).toContain('eventhost_sink_up{sink="search"} 0');
    expect(text).toContain('eventhost_search_queued_ids{queue="metrics",entity_type="Image"} 7');
  });

  it("reads search-sync's stats once per scrape, however many series use them", async () => {
    let reads = 0;
    const metrics = new HostMetrics(
      source({
        search: async () => {
          reads++;
          return searchStats();
        },
      }),
    );
    const text = await metrics.text();
    expect(text).toContain('eventhost_search_flushes_total 0');
    expect(text).toContain('eventhost_sink_up{sink="search"} 1');
    expect(reads).toBe(1);
    await metrics.text();
    expect(reads).toBe(2);
  });

  it('shows replication slots from the last reading, and no series after a failed one', async () => {
    let reading: ReplicationSlotState[] | undefined = [
      { slot: 'dbz_app', active: true, retainedBytes: 4096 },
      { slot: 'fresh', active: false, retainedBytes: null },
    ];
    const metrics = new HostMetrics(source({ replicationSlots: () => reading }));
    const text = await metrics.text();
    expect(text).toContain('eventhost_replication_slot_retained_bytes{slot="dbz_app"} 4096');
    expect(text).toContain('eventhost_replication_slot_active{slot="dbz_app"} 1');
    expect(text).toContain('eventhost_replication_slot_active{slot="fresh"} 0');
    expect(text).not.toContain('eventhost_replication_slot_retained_bytes{slot="fresh"}');
    reading = undefined;
    expect(await metrics.text()).not.toMatch(/eventhost_replication_slot_\w+\{/);
  });
});
