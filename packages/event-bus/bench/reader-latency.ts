// Latency of a 100-entity metric read through the reader: all hits (one pipelined Redis round trip) and all
// misses (Redis, one ClickHouse query, pipelined fill commits). Run with the local stack up:
//   npm run stack -- up && npx tsx --conditions=source packages/event-bus/bench/reader-latency.ts [eventsPerEntity]
// ClickHouse is a private embedded engine (chDB) seeded with metric events over the last year; Redis is the
// stack's. Prints p50 and p99 in milliseconds for both paths.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { Redis } from 'ioredis';
import { readStackEnv } from '../../../infra/stack/env.js';
import { createMetricReader, type ReadStats } from '../src/reader/index.js';
import { openClickHouse } from '../src/sinks/clickhouse/client.js';
import { MetricEventStore } from '../src/sinks/clickhouse/metric-event-store.js';
import { ensureMetricEventTable } from '../src/sinks/clickhouse/schema.js';
import { defaultCacheKeys } from '../src/sinks/redis/cache-keys.js';
import { percentile } from './stats.js';

const ENTITIES = 100;
const eventsPerEntity = Number(process.argv[2] ?? 1_000);
const MISS_ROUNDS = 50;
const HIT_ROUNDS = 500;
const TYPES = ['downloadCount', 'likeCount', 'commentCount', 'ratingSum', 'ratingCount'];

const env = readStackEnv();
const redis = new Redis(env.REDIS_URL!);
const clickhouse = await openClickHouse({ path: mkdtempSync(join(tmpdir(), 'eb-reader-bench-')) });
await ensureMetricEventTable(clickhouse);
const entityType = `BenchModel${Date.now().toString(36)}`;
const ids = Array.from({ length: ENTITIES }, (_, i) => i + 1);

const now = Date.now();
const events: EntityMetricEvent[] = [];
for (const id of ids) {
  for (let i = 0; i < eventsPerEntity; i++) {
    const metricType = TYPES[i % TYPES.length]!;
    events.push({
      eventId: `${id}-${i}`,
      entityType,
      entityId: id,
      userId: i,
      metricType,
      metricValue: metricType === 'ratingSum' ? 1 + (i % 5) : 1,
      createdAt: new Date(now - Math.floor(Math.random() * 365 * 86_400_000)),
      origin: `bench:${id % 3}`,
      originSeq: events.length,
    });
  }
}
const t0 = performance.now();
await new MetricEventStore(clickhouse).insert(events);
console.log(
  `seeded ${events.length} metric events for ${ENTITIES} entities in ${(performance.now() - t0).toFixed(0)} ms`,
);

let last: ReadStats | undefined;
const reader = createMetricReader({ redis, clickhouse, onRead: (s) => (last = s) });
const request = {
  entityType,
  entityIds: ids,
  metrics: ['downloadCount', 'likeCount', 'commentCount', 'rating'],
  timeframes: ['day', 'week', 'month', 'year', 'all'] as const,
};
const keys = ids.map((id) => defaultCacheKeys.key(entityType, id));

const report = (name: string, xs: number[]) =>
  console.log(
    `${name}: p50 ${percentile(xs, 50).toFixed(2)} ms, p99 ${percentile(xs, 99).toFixed(2)} ms (${xs.length} reads of ${ENTITIES} entities)`,
  );

// Warm-up: JIT, script loading, ClickHouse caches.
for (let i = 0; i < 5; i++) {
  await redis.del(...keys);
  await reader.getMetrics(request);
}

const miss: number[] = [];
for (let i = 0; i < MISS_ROUNDS; i++) {
  await redis.del(...keys);
  const started = performance.now();
  await reader.getMetrics(request);
  miss.push(performance.now() - started);
  if (last?.misses !== ENTITIES || last.filled !== ENTITIES)
    throw new Error(`expected ${ENTITIES} misses: ${JSON.stringify(last)}`);
}
const hit: number[] = [];
for (let i = 0; i < HIT_ROUNDS; i++) {
  const started = performance.now();
  await reader.getMetrics(request);
  hit.push(performance.now() - started);
  if (last?.hits !== ENTITIES) throw new Error(`expected ${ENTITIES} hits: ${JSON.stringify(last)}`);
}
report('cache hit ', hit);
report('cache miss', miss);

await redis.del(...keys);
redis.disconnect();
await clickhouse.close();
