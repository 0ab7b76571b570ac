// What the search-sync benches share: a ClickHouse client that counts and times its queries, a
// search-sync for one Image index on the Meilisearch fake, as both benches flush it, and the split of one
// flush's wall time into ClickHouse, the fake and search-sync's own part.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Redis } from 'ioredis';
import { createSearchSync, IMAGE_METRIC_TYPES } from '../src/index.js';

/**
 * Queries sent through a metered client, and the milliseconds during which at least one of them was waited
 * for. search-sync keeps two chunk queries in flight; the embedded engine runs them one after the other, so
 * the time with any in flight is the time the engine was busy with them (their summed waits count the overlap
 * twice).
 */
export interface QueryMeter {
  queries: number;
  ms: number;
}

/** Wraps `clickhouse` so that every `query` call is counted and timed in the returned meter. */
export function meterQueries(clickhouse: ClickHouseClient): { client: ClickHouseClient; meter: QueryMeter } {
  const meter: QueryMeter = { queries: 0, ms: 0 };
  let inFlight = 0;
  let busySince = 0;
  const client = new Proxy(clickhouse, {
    get: (target, property) =>
      property === 'query'
        ? async (...args: Parameters<ClickHouseClient['query']>) => {
            meter.queries++;
            if (inFlight++ === 0) busySince = performance.now();
            try {
              return await target.query(...args);
            } finally {
              if (--inFlight === 0) meter.ms += performance.now() - busySince;
            }
          }
        : Reflect.get(target, property, target),
  });
  return { client, meter };
}

/** A search-sync for one Image index `uid` on the fake at `host`, with bench keys and (default) 10k-id rounds. */
export function benchSearchSync(options: {
  redis: Redis;
  clickhouse: ClickHouseClient;
  host: string;
  uid: string;
  chunkSize?: number;
  /** Ids per round (`batchSize`; search-sync's own default is 5,000). */
  batchSize?: number;
}) {
  return createSearchSync({
    redis: options.redis,
    clickhouse: options.clickhouse,
    meilisearch: { host: options.host, apiKey: 'k' },
    indexes: [{ uid: options.uid, entityType: 'Image', metricTypes: IMAGE_METRIC_TYPES }],
    keyPrefix: `bench:${options.uid}:`,
    batchSize: options.batchSize ?? 10_000,
    chunkSize: options.chunkSize,
    taskPollMs: 5,
  });
}

/**
 * One flush's wall time and where it went. Chunks overlap a query with the previous chunk's documents and
 * requests, so the fake's work and search-sync's own overlap the queries: what the queries do not cover is
 * `outsideQueriesMs`, the part of the flush a faster engine could not shorten.
 */
export interface FlushSplit {
  ms: number;
  queryMs: number;
  queries: number;
  /** The Meilisearch fake's own work (bodies, routing, tasks): a real server does it elsewhere. */
  fakeMs: number;
  /**
   * The flush's time with no query in flight: the queue's take and last ack, and whatever of the documents,
   * requests, task polls and the fake's work did not overlap a query.
   */
  outsideQueriesMs: number;
  /** Time the event loop sat idle during the flush (waiting on Redis, timers, polls, ClickHouse). */
  idleMs: number;
  /** CPU time of this process during the flush: search-sync's, and the embedded engine's when in-process. */
  cpuMs: number;
}

/** Flushes `sync` once and splits its wall time using the meter and the fake's busy counter. */
export async function timedFlush(
  sync: ReturnType<typeof benchSearchSync>,
  meter: QueryMeter,
  fake: { readonly busyMs: number },
): Promise<FlushSplit> {
  const before = {
    ...meter,
    fakeMs: fake.busyMs,
    elu: performance.eventLoopUtilization(),
    cpu: process.cpuUsage(),
  };
  const t0 = performance.now();
  const result = await sync.flushNow();
  const ms = performance.now() - t0;
  if (result.status !== 'flushed')
    throw new Error(`flush ${result.status}`, { cause: 'error' in result ? result.error : result });
  const queryMs = meter.ms - before.ms;
  const fakeMs = fake.busyMs - before.fakeMs;
  const idleMs = performance.eventLoopUtilization(before.elu).idle;
  const cpu = process.cpuUsage(before.cpu);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const queries = meter.queries - before.queries;
  return { ms, queryMs, queries, fakeMs, outsideQueriesMs: ms - queryMs, idleMs, cpuMs };
}
