// What the search-sync benches share: a ClickHouse client that counts and times its queries, and a
// search-sync for one Image index on the Meilisearch fake, as both benches flush it.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import { createSearchSync, IMAGE_METRIC_TYPES } from '../src/index.js';

/** Queries sent through a metered client, and the milliseconds spent waiting for them. */
export interface QueryMeter {
  queries: number;
  ms: number;
}

/** Wraps `clickhouse` so that every `query` call is counted and timed in the returned meter. */
export function meterQueries(clickhouse: ClickHouseClient): { client: ClickHouseClient; meter: QueryMeter } {
  const meter: QueryMeter = { queries: 0, ms: 0 };
  const client = new Proxy(clickhouse, {
    get: (target, property) =>
      property === 'query'
        ? async (...args: Parameters<ClickHouseClient['query']>) => {
            meter.queries++;
            const t0 = performance.now();
            try {
              return await target.query(...args);
            } finally {
              meter.ms += performance.now() - t0;
            }
          }
        : Reflect.get(target, property, target),
  });
  return { client, meter };
}

/** A search-sync for one Image index `uid` on the fake at `host`, with bench keys and 10k-id batches. */
export function benchSearchSync(options: {
  redis: Redis;
  clickhouse: ClickHouseClient;
  host: string;
  uid: string;
}) {
  return createSearchSync({
    redis: options.redis,
    clickhouse: options.clickhouse,
    meilisearch: { host: options.host, apiKey: 'k' },
    indexes: [{ uid: options.uid, entityType: 'Image', metricTypes: IMAGE_METRIC_TYPES }],
    keyPrefix: `bench:${options.uid}:`,
    batchSize: 10_000,
    taskPollMs: 5,
  });
}
