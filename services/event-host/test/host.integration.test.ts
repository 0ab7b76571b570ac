// One host on the shared stack (its own topics, group and cache scope) with a private redis-server:
// Prometheus metrics, the status page in headless Chromium, and readiness through a Redis outage.
import type { ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { createCacheKeys } from '@engagement/event-bus/sinks/redis';
import { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cdc } from '../../../infra/stack/cdc.js';
import type { EventHost } from '../src/host/create-event-host.js';
import {
  connectProducer,
  createImages,
  ephemeralPort,
  hostEnv,
  parsePrometheus,
  prefillCache,
  produce,
  type ReactionPlan,
  reactionPlan,
  sourceTopicOf,
  startHost,
  startRedisServer,
  waitFor,
  waitForPlanTotals,
} from './host-fixtures.js';
import { launchChromium, readCharts, tableCells } from './status-page-browser.js';

let redisPort: number;
let redisProc: ChildProcess;
let redis: Redis;
let db: pg.Client;
let clickhouse: ClickHouseClient;
let producer: Producer;
let host: EventHost;
let env: Record<string, string>;
let imageIds: number[];
let plan: ReactionPlan;
const CACHE_KEYS = createCacheKeys(1);

const get = async (path: string) => {
  const res = await fetch(`${host.url}${path}`);
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
};

beforeAll(async () => {
  redisPort = await ephemeralPort();
  redisProc = await startRedisServer(redisPort);
  redis = new Redis(redisPort, '127.0.0.1');
  db = new pg.Client({ connectionString: inject('stackEnv').POSTGRES_URL });
  await db.connect();
  env = hostEnv('live', {
    EVENT_HOST_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    EVENT_HOST_KAFKA_TOPIC_PARTITIONS: '2',
    // A single Redis node: the cache on one shard, as docs/operations.md suggests for it.
    EVENT_HOST_REDIS_CACHE_SHARDS: '1',
  });
  ({ imageIds } = await createImages(db, 6));
  await prefillCache(redis, imageIds, CACHE_KEYS);
  plan = reactionPlan(imageIds, 300);
  ({ host, clickhouse } = await startHost(env));
  producer = await connectProducer(env);
});

afterAll(async () => {
  await host?.stop();
  await producer?.disconnect();
  redis?.disconnect();
  await db?.end();
  await clickhouse?.close();
  redisProc?.kill('SIGKILL');
});

describe('event host on the local stack', () => {
  it('stores exact totals and serves /metrics as Prometheus text with every metric family', async () => {
    const topic = sourceTopicOf(env);
    await produce(producer, topic, plan.records, { chunk: 20, pauseMs: 100 });
    await producer.send({ topic, messages: [{ key: '{"id":-1}', value: '{not json' }] });
    const final = await waitForPlanTotals(clickhouse, imageIds, plan);
    expect(final.totals).toEqual(plan.expected);
    await waitFor(
      async () => host.pipeline.stats.deadLetters,
      (n) => n === 1,
      30_000,
      'the dead letter',
    );

    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/plain');
    const { types, samples } = parsePrometheus(res.text);
    const one = (name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    expect(types.get('eventhost_events_consumed_total')).toBe('counter');
    expect(one('eventhost_events_consumed_total')[0]!.value).toBeGreaterThanOrEqual(plan.records.length + 1);
    const handled = one('eventhost_listener_events_handled_total', {
      plugin: 'image-metrics',
      listener: 'image.reactions',
    });
    expect(handled[0]!.value).toBe(plan.records.length);
    expect(one('eventhost_listener_events_failed_total', { listener: 'image.reactions' })[0]!.value).toBe(0);
    expect(types.get('eventhost_sink_batch_rows')).toBe('histogram');
    expect(one('eventhost_sink_batch_rows_count', { sink: 'clickhouse' })[0]!.value).toBeGreaterThan(0);
    expect(one('eventhost_sink_batch_rows_sum', { sink: 'clickhouse' })[0]!.value).toBe(
      host.pipeline.stats.metricEventsStored,
    );
    expect(one('eventhost_sink_flush_duration_seconds_count', { sink: 'redis' })[0]!.value).toBeGreaterThan(
      0,
    );
    expect(
      one('eventhost_dead_letters_total', { listener: 'none', code: 'EB_DECODE_INVALID_JSON' })[0]!.value,
    ).toBe(1);
    const lag = one('eventhost_consumer_lag_messages');
    expect(lag.map((s) => `${s.labels.topic}:${s.labels.partition}`)).toEqual(
      expect.arrayContaining([`${topic}:0`, `${topic}:1`]),
    );
    expect(one('eventhost_ingest_buffer_rows')).toHaveLength(1);
    expect(one('eventhost_ingest_buffer_capacity_rows')[0]!.value).toBe(200_000);
    expect(one('eventhost_consumer_joined')[0]!.value).toBe(1);
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(one('eventhost_metric_events_stored_total')[0]!.value).toBeGreaterThan(0);
    expect(one('eventhost_cache_events_applied_total')[0]!.value).toBeGreaterThan(0);
    // The integration project rolls the read rollup every 500 ms: the host has committed rolls by now.
    expect(one('eventhost_rollup_rolls_total', { outcome: 'committed' })[0]!.value).toBeGreaterThan(0);
    expect(one('eventhost_rollup_last_commit_timestamp_seconds')[0]!.value).toBeGreaterThan(0);

    // Cached hashes moved by exactly the totals; uncached images were not created.
    for (const [i, id] of imageIds.entries()) {
      const hash = await redis.hgetall(CACHE_KEYS.key('Image', id));
      if (i % 2 === 1) expect(hash).toEqual({});
      else {
        const want = plan.expected.get(`Image:${id}`)!;
        expect(Object.fromEntries(Object.entries(hash).map(([k, v]) => [k, Number(v) - 100]))).toEqual(want);
      }
    }
  });

  it('renders every status page panel with data, readable at 1280 wide (headless Chromium)', async () => {
    // A second wave of traffic while the page is open, so the throughput line moves.
    const more = reactionPlan(imageIds, 200, 99);
    const traffic = produce(producer, sourceTopicOf(env), more.records, { chunk: 10, pauseMs: 100 });
    const { browser, profile } = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${host.url}/`);
      await page.waitForFunction(
        () =>
          Number(document.querySelector('svg[data-chart="throughput"]')?.getAttribute('data-points') ?? 0) >=
          5,
        undefined,
        { timeout: 30_000 },
      );
      await traffic;
      await page.waitForTimeout(2_500);
      const byName = await readCharts(page);
      const throughput = byName.throughput!;
      expect(throughput.points).toBeGreaterThanOrEqual(5);
      // One line for all changes, not one per listener; some second had changes/s > 0.
      expect(throughput.lines.map((l) => l.series)).toEqual(['consumed']);
      expect(throughput.lines[0]!.ys.some((y) => y < 124)).toBe(true); // baseline at 124 of 140
      expect(byName.lag!.points).toBeGreaterThanOrEqual(5);
      expect(byName.flushes!.points).toBeGreaterThan(0);
      expect(await page.textContent('#ready')).toBe('ready');

      const text = async (selector: string) => (await page.textContent(selector)) ?? '';
      const rowsOf = async (selector: string) => Number(await page.getAttribute(selector, 'data-rows'));
      // Sinks: ClickHouse, Redis and the Kafka producer wrote; nothing failed.
      const sinks = await tableCells(page, '#sinks');
      expect(sinks.map((r) => r[0])).toEqual([
        'ClickHouse',
        'Redis (metric cache)',
        'search queue (Redis)',
        'Kafka producer',
      ]);
      for (const name of ['ClickHouse', 'Redis (metric cache)', 'Kafka producer']) {
        const row = sinks.find((r) => r[0] === name)!;
        expect(row[1], name).toBe('up');
        expect(row[2], name).toMatch(/(\d+(\.\d+)?|<1) (ms|s), [\d,]+ rows, \d+ s ago/);
        expect(row[3], name).toBe('–');
      }
      // The buffer against its bound (200,000 rows by default in this test), and flush durations.
      expect(await text('#buffer-text')).toMatch(/^[\d,]+ of 200,000 rows/);
      expect(await page.getAttribute('.bar', 'data-percent')).toMatch(/^\d+(\.\d)?$/);
      expect(await text('#flush-text')).toMatch(
        /^last (\d+(\.\d+)?|<1) (ms|s) .* over the last \d+ flushes$/,
      );
      // Top listeners: image.reactions handled every reaction; idle listeners are counted, not drawn.
      expect(await rowsOf('#top-throughput')).toBeGreaterThanOrEqual(1);
      expect(await rowsOf('#top-throughput')).toBeLessThanOrEqual(5);
      expect(await page.textContent('#top-throughput tr:nth-child(2) td:first-child')).toBe(
        'image.reactions',
      );
      expect(await text('#top-throughput-more')).toMatch(/\d+ idle/);
      expect(await text('#top-failures')).toContain('no listener failed or retried');
      // Dead letters by listener and code: the undecodable record.
      expect(await rowsOf('#dead-letters')).toBe(1);
      expect(await text('#dead-letters')).toContain('(undecodable record)EB_DECODE_INVALID_JSON1');
      // Lag per topic: the source topic's two partitions folded into one row.
      const lagRows = await tableCells(page, '#lag-topics');
      expect(lagRows.find((r) => r[0] === sourceTopicOf(env))?.[1]).toBe('2');
      expect(lagRows.length).toBeLessThan(10);
      // The host has the stack's Postgres URL, so the panel lists Debezium's slot and the WAL it retains.
      expect(await text('#replication')).toMatch(new RegExp(`${cdc.slotName}.*(retained|no WAL reserved)`));
      expect(await text('#reconcile')).toContain('not configured');
      // This host rolls, so the rollup panel tells of its rolls.
      expect(await text('#rollup')).toMatch(/^(no roll committed by this host yet|last committed roll)/);
      expect(await text('#plugins')).toContain('@engagement/metric-listeners');
      // Nothing is clipped or scrolls sideways at 1280 px.
      const overflow = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        cards: [...document.querySelectorAll('.card')]
          .filter((c) => c.scrollWidth > c.clientWidth + 1)
          .map((c) => c.getAttribute('data-panel')),
      }));
      expect(overflow).toEqual({ page: 0, cards: [] });
      // The page shows the same rate as /status.json (one rate function for both, and for npm start).
      const json = JSON.parse((await get('/status.json')).text);
      expect(json.rates.windowSeconds).toBe(10);
      expect(json.samples.at(-1).consumedPerSecond).toBe(json.rates.consumedPerSecond);
      // STATUS_SCREENSHOT=/tmp/status.png keeps a screenshot; by default it goes to the temporary profile.
      const shot = process.env.STATUS_SCREENSHOT || join(profile, 'status-page.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(20_000);
      console.log(`status page screenshot: ${shot}`);
    } finally {
      await browser.close();
    }
  });

  it('turns not ready while Redis is down and ready again when it is back', async () => {
    const ready = async () => {
      const r = await get('/readyz');
      return { status: r.status, body: JSON.parse(r.text) };
    };
    expect((await ready()).status).toBe(200);
    redisProc.kill('SIGKILL');
    const down = await waitFor(ready, (r) => r.status === 503, 30_000, 'not ready');
    expect(down.body.checks.redis.ok).toBe(false);
    expect(down.body.checks.redis.detail).toMatch(/Redis ping failed/);
    expect(down.body.checks.clickhouse.ok).toBe(true);
    expect((await get('/healthz')).status).toBe(200); // liveness does not follow a dependency outage
    // Traffic during the outage: the apply stage retries, nothing is lost.
    await produce(producer, sourceTopicOf(env), reactionPlan(imageIds, 40, 5).records);
    redisProc = await startRedisServer(redisPort);
    const back = await waitFor(ready, (r) => r.status === 200, 60_000, 'ready again');
    expect(back.body.ready).toBe(true);
  });
});
