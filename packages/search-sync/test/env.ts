// Shared set-up for search-sync's integration tests: the local stack's Redis and Postgres, a private
// embedded ClickHouse per test process, the Meilisearch fake, and names unique to this run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import {
  ensureMetricEventTable,
  MetricEventStore,
  openClickHouse,
} from '@engagement/event-bus/sinks/clickhouse';
import { waitFor } from '@engagement/event-bus/testing';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { Redis } from 'ioredis';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestEnv {
  redisUrl: string;
  redis: Redis;
  pg: pg.Pool;
  clickhouse: ClickHouseClient;
  clickhousePath: string;
  /** ClickHouse queries made through `clickhouse` since the last `resetCounts`, besides roll-state reads. */
  clickhouseQueries(): number;
  /** Reads of the read rollup's roll state (its `_rolls` table) since the last reset. */
  rollStateReads(): number;
  /** The most of those queries sent and not yet answered at one time since the last reset. */
  queriesInFlightMax(): number;
  resetCounts(): void;
  /** A prefix unique to this run, for Redis keys and index uids. */
  unique(name: string): string;
  close(): Promise<void>;
}

let chdb: { client: ClickHouseClient; path: string } | null = null;

/** Opens the connections; one embedded ClickHouse per process (chDB allows one engine per process). */
export async function openTestEnv(): Promise<TestEnv> {
  const env = inject('stackEnv');
  const redis = new Redis(env.REDIS_URL!);
  const pool = new pg.Pool({ connectionString: env.POSTGRES_URL, max: 2 });
  if (!chdb) {
    const path = mkdtempSync(join(tmpdir(), 'search-sync-ch-'));
    chdb = { client: await openClickHouse({ path }), path };
    await ensureMetricEventTable(chdb.client);
  }
  const real = chdb.client;
  let queries = 0;
  let rollStateReads = 0;
  let inFlight = 0;
  let inFlightMax = 0;
  // Counts every query the code under test sends, without changing what it does.
  const counted = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return (...args: Parameters<ClickHouseClient['query']>) => {
          if (/FROM \w+_rolls\b/.test(args[0].query)) {
            rollStateReads++;
            return target.query(...args);
          }
          queries++;
          inFlightMax = Math.max(inFlightMax, ++inFlight);
          return target.query(...args).finally(() => inFlight--);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  return {
    redisUrl: env.REDIS_URL!,
    redis,
    pg: pool,
    clickhouse: counted,
    clickhousePath: chdb.path,
    clickhouseQueries: () => queries,
    rollStateReads: () => rollStateReads,
    queriesInFlightMax: () => inFlightMax,
    resetCounts: () => {
      queries = 0;
      rollStateReads = 0;
      inFlightMax = inFlight;
    },
    unique: (name) => `${name}_${run}`,
    async close() {
      redis.disconnect();
      await pool.end();
    },
  };
}

let seq = 0;

/** Stores metric events in the embedded ClickHouse, as the pipeline's store does. */
export async function storeEvents(
  clickhouse: ClickHouseClient,
  events: Omit<EntityMetricEvent, 'eventId' | 'origin' | 'originSeq' | 'userId'>[],
  options: { eventIds?: string[]; table?: string } = {},
): Promise<EntityMetricEvent[]> {
  const full = events.map((e, i) => ({
    ...e,
    userId: 1,
    eventId: options.eventIds?.[i] ?? `t-${process.pid}-${Date.now()}-${seq++}`,
    origin: 'test:0',
    originSeq: seq,
  }));
  await new MetricEventStore(clickhouse, options.table).insert(full);
  return full;
}

/** `waitFor` with a shorter default: the fake answers at once, so 15 s without a change is a failure. */
export const eventually = <T>(probe: () => Promise<T>, accept: (v: T) => boolean, timeoutMs = 15_000) =>
  waitFor(probe, accept, timeoutMs);

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: Record<string, string>;
  }
}
