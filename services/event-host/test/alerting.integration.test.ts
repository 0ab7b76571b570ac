// What alerting needs from a freshly started host on the local stack, before any traffic: the series the
// alerts watch exist at 0, build info, the search sink (search-sync runs, against the HTTP fake), the
// Debezium replication slot's retained WAL; and every metric the shipped alert rules and Grafana dashboard
// use is in its /metrics.
import type { ClickHouseClient } from '@clickhouse/client';
import { FakeMeilisearch } from '@engagement/search-sync/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdc } from '../../../infra/stack/cdc.js';
import type { EventHost } from '../src/host/create-event-host.js';
import { hostEnv, parsePrometheus, RUN, startHost, waitFor } from './host-fixtures.js';
import {
  alertExpressions,
  dashboardExpressions,
  exposedNames,
  metricNamesOf,
} from './promql-metric-names.js';

const KEY = 'alerting-test-key';
let fake: FakeMeilisearch;
let clickhouse: ClickHouseClient;
let host: EventHost;

const scrape = async () => {
  const res = await fetch(`${host.url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
};

beforeAll(async () => {
  fake = await FakeMeilisearch.start({ apiKey: KEY, processingMs: 2 });
  const prefix = `eh-alerting-${RUN}`;
  const env = hostEnv('alerting', {
    EVENT_HOST_MEILISEARCH_URL: fake.host,
    EVENT_HOST_MEILISEARCH_KEY: KEY,
    EVENT_HOST_SEARCH_KEY_PREFIX: `${prefix}:search:`,
    EVENT_HOST_SEARCH_SCHEDULE: '0 0 1 1 *',
    EVENT_HOST_SEARCH_THRESHOLD: '0',
  });
  ({ host, clickhouse } = await startHost(env));
});

afterAll(async () => {
  await host?.stop();
  await clickhouse?.close();
  await fake?.close();
});

describe('/metrics of a freshly started host (no traffic)', () => {
  it('has every alerting series: dead letters at 0 per loaded listener, build info, search sink, drift', async () => {
    const { samples } = parsePrometheus(await scrape());
    const one = (name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    const listeners = host.plugins.flatMap((p) => p.plugins.flatMap((d) => d.listeners.map((l) => l.id)));
    expect(listeners.length).toBeGreaterThan(30);
    expect(listeners).toContain('image.reactions');
    for (const listener of listeners) {
      const series = one('eventhost_dead_letters_total', { listener, code: 'EB_LISTENER_FAILED' });
      expect(
        series.map((s) => s.value),
        listener,
      ).toEqual([0]);
    }
    expect(one('eventhost_dead_letters_total', { listener: 'none' }).length).toBeGreaterThan(0);
    const build = one('eventhost_build_info');
    expect(build).toHaveLength(1);
    expect(build[0]!.value).toBe(1);
    expect(build[0]!.labels).toMatchObject({ version: '0.1.0', node: process.version });
    expect(host.search).toBeDefined();
    expect(one('eventhost_sink_up', { sink: 'search' }).map((s) => s.value)).toEqual([1]);
    expect(one('eventhost_metric_drift_entities', { kind: 'drifted' }).map((s) => s.value)).toEqual([0]);
  });

  it("has the replication slot gauges of the stack's Debezium slot", async () => {
    const isSlot = (name: string) => (s: { name: string; labels: Record<string, string> }) =>
      s.name === name && s.labels.slot === cdc.slotName;
    // Debezium streams from the slot while the stack runs (active); the first reading comes at start.
    const samples = await waitFor(
      async () => parsePrometheus(await scrape()).samples,
      (all) => all.find(isSlot('eventhost_replication_slot_active'))?.value === 1,
      20_000,
      `the ${cdc.slotName} slot gauges`,
    );
    expect(samples.find(isSlot('eventhost_replication_slot_retained_bytes'))?.value).toBeGreaterThanOrEqual(
      0,
    );
  });

  it('exports every metric the alert rules and the Grafana dashboard use', async () => {
    const exposed = exposedNames(await scrape());
    const used = new Set([...alertExpressions(), ...dashboardExpressions()].flatMap(metricNamesOf));
    expect(used.size).toBeGreaterThan(15);
    expect(used).toContain('eventhost_dead_letters_total');
    expect(used).toContain('eventhost_replication_slot_retained_bytes');
    expect([...used].filter((n) => !exposed.has(n))).toEqual([]);
  });
});
