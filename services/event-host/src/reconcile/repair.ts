import type { ClickHouseClient } from '@clickhouse/client';
import { kafkaMetricTopic } from '@engagement/event-bus/kafka';
import { publishMetricEvents } from '@engagement/event-bus/runtime';
import { MetricEventStore } from '@engagement/event-bus/sinks/clickhouse';
import type { RedisClient } from '@engagement/event-bus/sinks/redis';
import type { EntityMetricEvent } from '@engagement/plugin-api';
import type { Producer } from 'kafkajs';
import { LeaderLease } from '../deployment/leader-lease.js';
import { HostError } from '../errors.js';
import type { UnpublishedCorrections } from './unpublished-corrections.js';

/**
 * Writes corrections the way the host's flush writes metric events: insert into ClickHouse first, then
 * publish to the metric topic, whose consumer (the host's apply stage) updates the cached hashes once per
 * position and queues search updates. Stored before published is what lets a concurrent cache fill count
 * each correction exactly once (docs/reading-metrics.md): when the apply stage sees it, ClickHouse has it.
 * The write is noted in `unpublished` until the topic acknowledged it, so a repair stopped in between is
 * finished by the next one.
 */
export async function writeCorrections(
  clickhouse: ClickHouseClient,
  producer: Producer,
  metricTopic: string,
  corrections: readonly EntityMetricEvent[],
  unpublished: UnpublishedCorrections,
): Promise<void> {
  if (corrections.length === 0) return;
  const note = await unpublished.note(corrections);
  await new MetricEventStore(clickhouse).insert(corrections);
  await publishMetricEvents(kafkaMetricTopic(producer, metricTopic), corrections);
  await unpublished.clear(note);
}

/**
 * One repair at a time per cache scope: two repairs comparing against different snapshots at once would
 * each write the same difference. The holder renews its lease while it runs (a backfill takes hours); it
 * expires `ttlMs` after its holder dies.
 */
export async function withRepairLock<T>(
  redis: RedisClient,
  scopeKey: string,
  ttlMs: number,
  run: () => Promise<T>,
  /** How long to wait for a holder to finish before refusing (default 0: refuse at once). */
  waitMs = 0,
): Promise<T> {
  const lease = new LeaderLease(redis, `eventbus:reconcile:repair-lock:${scopeKey}`, { ttlMs });
  const deadline = Date.now() + waitMs;
  let taken = await lease.acquire();
  while (!taken && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    taken = await lease.acquire();
  }
  if (!taken) {
    const ttl = await lease.remainingMs();
    throw new HostError(
      'EH_REPAIR_LOCKED',
      `another repair holds ${lease.key}: a running one renews it until it ends; one that died leaves it for ` +
        `${Math.max(0, Math.round(ttl / 1000))} s more. Run one repair at a time`,
      { retriable: true },
    );
  }
  try {
    return await run();
  } finally {
    await lease.release().catch(() => undefined);
  }
}
