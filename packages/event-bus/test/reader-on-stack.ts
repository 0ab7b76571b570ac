// The metric reader tests' world: the stack (its Redis, Redis Cluster and a private chDB with the event table)
// for the file, and per Redis kind a describe of its own with a client and an entity type of its own.
import type { EntityMetricEvent } from '@engagement/plugin-api';
import { afterAll, beforeAll, describe } from 'vitest';
import { ensureMetricEventTable, MetricEventStore, readMetricTotals } from '../src/sinks/clickhouse/index.js';
import { MetricCacheSink } from '../src/sinks/redis/metric-cache-sink.js';
import type { RedisClient } from '../src/sinks/redis/redis-client.js';
import { connectRedis, connectStack, REDIS_KINDS, type StackConnections } from './integration-env.js';
import { metricEvent } from './metric-events.js';

/** What a reader test works with; set by the hooks, so read it inside a test. */
export interface ReaderOnStack {
  stack: StackConnections;
  store: MetricEventStore;
  redis: RedisClient;
  /** Unique to the Redis kind: both kinds share one ClickHouse. */
  entityType: string;
  event(
    entityId: number,
    metricType: string,
    metricValue: number,
    createdAt: Date,
    origin: string,
  ): EntityMetricEvent;
  /**
   * A cache sink on a watermark of its own, and likes of entity `id`, each on an origin of its own
   * (`<name>-<label>`), created a second before `now` unless told.
   */
  likesOf(
    id: number,
    name: string,
    now: number,
  ): { sink: MetricCacheSink; like: (label: string, createdAt?: Date) => EntityMetricEvent };
  /** Day and all-time totals from ClickHouse, by entity id. */
  truth(
    ids: number[],
    metricTypes: string[],
    now: Date,
  ): Promise<Map<number, Record<string, Record<string, number>>>>;
}

/** Registers the file's stack hooks and runs `body` once per Redis kind, in a describe named `title (kind Redis)`. */
export function describeReaderOnStack(title: string, body: (w: ReaderOnStack) => void): void {
  const w = {
    event: (entityId, metricType, metricValue, createdAt, origin) =>
      metricEvent({ entityType: w.entityType, entityId, metricType, metricValue, createdAt, origin }),
    likesOf(id, name, now) {
      const sink = new MetricCacheSink(w.redis, {
        watermarkKey: w.stack.unique(`wm-${name}`),
        signalChannel: null,
      });
      const like = (label: string, createdAt = new Date(now - 1000)) =>
        w.event(id, 'likeCount', 1, createdAt, w.stack.unique(`${name}-${label}:0`));
      return { sink, like };
    },
    async truth(ids, metricTypes, now) {
      const rows = await readMetricTotals(w.stack.clickhouse, {
        entityType: w.entityType,
        entityIds: ids,
        metricTypes,
        timeframes: ['day', 'all'],
        now,
      });
      return new Map(rows.map((r) => [r.entityId, r.totals]));
    },
  } as ReaderOnStack;
  beforeAll(async () => {
    w.stack = await connectStack();
    await ensureMetricEventTable(w.stack.clickhouse);
    w.store = new MetricEventStore(w.stack.clickhouse);
  });
  afterAll(async () => {
    await w.stack?.close();
  });
  describe.each(REDIS_KINDS)(`${title} (%s Redis)`, (kind) => {
    beforeAll(() => {
      w.redis = connectRedis(w.stack.env, kind);
      w.entityType = w.stack.unique(`Model-${kind}`);
    });
    afterAll(() => w.redis?.disconnect());
    body(w);
  });
}
