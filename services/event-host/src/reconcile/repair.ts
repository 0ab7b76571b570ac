import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { EntityMetricEvent } from '@engagement/event-bus';
import { publishMetricEvents } from '@engagement/event-bus/kafka';
import { MetricEventStore } from '@engagement/event-bus/sinks/clickhouse';
import type { Redis } from 'ioredis';
import type { Producer } from 'kafkajs';
import { HostError } from '../errors.js';

/**
 * Writes corrections the way the host's flush writes metric events: insert into ClickHouse first, then
 * publish to the metric topic, whose consumer (the host's apply stage) updates the cached hashes once per
 * position and queues search updates. Stored before published is what lets a concurrent cache fill count
 * each correction exactly once (docs/reading-metrics.md): when the apply stage sees it, ClickHouse has it.
 */
export async function writeCorrections(
  clickhouse: ClickHouseClient,
  producer: Producer,
  metricTopic: string,
  corrections: readonly EntityMetricEvent[],
): Promise<void> {
  if (corrections.length === 0) return;
  await new MetricEventStore(clickhouse).insert(corrections);
  await publishMetricEvents(producer, metricTopic, corrections);
}

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const EXTEND_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/**
 * One repair at a time per cache scope: two repairs comparing against different snapshots at once would
 * each write the same difference. The holder extends the lock while it runs (a backfill takes hours); it
 * expires `ttlMs` after its holder dies.
 */
export async function withRepairLock<T>(
  redis: Redis,
  scopeKey: string,
  ttlMs: number,
  run: () => Promise<T>,
): Promise<T> {
  const key = `eventbus:reconcile:repair-lock:${scopeKey}`;
  const token = randomUUID();
  const taken = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (taken !== 'OK') {
    const ttl = await redis.pttl(key);
    throw new HostError(
      'EH_REPAIR_LOCKED',
      `another repair holds ${key} (for ${Math.max(0, Math.round(ttl / 1000))} s more); run one repair at a time`,
      { retriable: true },
    );
  }
  const extend = setInterval(
    () => void redis.eval(EXTEND_LUA, 1, key, token, ttlMs).catch(() => undefined),
    ttlMs / 3,
  );
  try {
    return await run();
  } finally {
    clearInterval(extend);
    await redis.eval(RELEASE_LUA, 1, key, token).catch(() => undefined);
  }
}
