// Measures one metrics flush for N queued ids: wall time split into ClickHouse, the fake's own work and
// search-sync's rest (timedFlush), ClickHouse queries, Meilisearch document requests and task polls. Real Redis (the local stack's), embedded ClickHouse in a temp dir, the Meilisearch fake.
//   npx tsx --conditions=source packages/search-sync/bench/flush-cost.ts 1000 10000
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureMetricEventTable,
  MetricEventStore,
  openClickHouse,
} from '@engagement/event-bus/sinks/clickhouse';
import { Redis } from 'ioredis';
import { Meilisearch } from 'meilisearch';
import { readStackEnv } from '../../../infra/stack/env.js';
import { FakeMeilisearch } from '../src/testing/index.js';
import { benchSearchSync, meterQueries, timedFlush } from './bench-search-sync.js';
import { loadAverage } from './growth-report.js';

const sizes = process.argv.slice(2).map(Number);
const env = readStackEnv();
const dir = mkdtempSync(join(tmpdir(), 'search-sync-bench-'));
const clickhouse = await openClickHouse({ path: dir });
await ensureMetricEventTable(clickhouse);
const redis = new Redis(env.REDIS_URL!);
const fake = await FakeMeilisearch.start({ apiKey: 'k', processingMs: 1 });
const meili = new Meilisearch({ host: fake.host, apiKey: 'k' });
const DAY = 86_400_000;
try {
  for (const n of sizes) {
    const uid = `bench_images_${n}_${Date.now()}`;
    const ids = Array.from({ length: n }, (_, i) => 1_000_000 * n + i);
    // Three like events per id, spread over a year.
    const events = ids.flatMap((id, i) =>
      [0, 1, 2].map((k) => ({
        eventId: `b-${id}-${k}`,
        entityType: 'Image',
        entityId: id,
        userId: 1,
        metricType: 'likeCount',
        metricValue: 1,
        createdAt: new Date(Date.now() - ((i * 7 + k * 90) % 365) * DAY),
        origin: 'bench:0',
        originSeq: i * 3 + k,
      })),
    );
    await new MetricEventStore(clickhouse).insert(events);
    await meili
      .index(uid)
      .addDocuments(
        ids.map((id) => ({ id, url: `u${id}` })),
        { primaryKey: 'id' },
      )
      .waitTask({ timeout: 60_000 });
    const { client, meter } = meterQueries(clickhouse);
    const sync = benchSearchSync({ redis, clickhouse: client, host: fake.host, uid });
    await sync.queues.queueMetrics('Image', ids);
    const requestsBefore = fake.requests.length;
    const split = await timedFlush(sync, meter, fake);
    const stats = await sync.stats();
    const puts = fake.requests.slice(requestsBefore).filter((r) => r.method === 'PUT').length;
    const polls = fake.requests.slice(requestsBefore).filter((r) => r.path.startsWith('/tasks/')).length;
    console.log(
      JSON.stringify({
        n,
        ...Object.fromEntries(Object.entries(split).map(([k, v]) => [k, Math.round(v)])),
        documentRequests: puts,
        taskPolls: polls,
        queuedAfter: stats.queued.metrics.Image,
        load: loadAverage(),
      }),
    );
  }
} finally {
  redis.disconnect();
  await fake.close();
  await clickhouse.close();
  rmSync(dir, { recursive: true, force: true });
}
