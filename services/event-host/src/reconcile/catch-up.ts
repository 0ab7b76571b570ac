import { fetchTopicOffsets } from '@engagement/event-bus/kafka';
import { type CacheKeyScheme, MetricCacheSink, type RedisClient } from '@engagement/event-bus/sinks/redis';
import type { Admin } from 'kafkajs';
import type pg from 'pg';
import { HostError } from '../errors.js';

/** Whether every change below a WAL position is stored, or what was still missing when the wait ended. */
export type CatchUp =
  | { caughtUp: true; waitedMs: number }
  | { caughtUp: false; waitedMs: number; waitingFor: string };

export interface CatchUpOptions {
  postgres: pg.Pool;
  /** The Debezium replication slot. */
  slot: string;
  /** Wait until the slot has confirmed this position (`pg_lsn` text). */
  walLsn: string;
  admin: Admin;
  /** The host's consumer group and its source topics. */
  groupId: string;
  topics: readonly string[];
  timeoutMs: number;
  pollMs?: number;
  /** Told what is still missing every `reportEveryMs` while the wait goes on (a command prints it). */
  onWaiting?: WaitReport;
  /** Default `WAIT_REPORT_MS`. */
  reportEveryMs?: number;
}

/** Called while a catch-up wait goes on: what it still waits for, and for how long it has waited. */
export type WaitReport = (waitingFor: string, waitedMs: number) => void;

/** How often a long wait reports what it waits for. */
export const WAIT_REPORT_MS = 10_000;

/** A wait's reporter: passes on at most one report per interval, the first after that long. */
function throttled(
  options: { onWaiting?: WaitReport; reportEveryMs?: number },
  started: number,
): (waitingFor: () => string) => void {
  const report = options.onWaiting;
  const every = options.reportEveryMs ?? WAIT_REPORT_MS;
  let last = started;
  return (waitingFor) => {
    const now = Date.now();
    if (!report || now - last < every) return;
    last = now;
    report(waitingFor(), now - started);
  };
}

/**
 * Waits until every change committed below `walLsn` is stored in ClickHouse. First Debezium: its slot's
 * `confirmed_flush_lsn` passes `walLsn` once Connect has written everything before it to Kafka (an idle
 * database still advances it through the connector's heartbeat action query). Then the host: its group has
 * committed, on every partition of the source topics, at least the end offset read after that (offsets are
 * committed only after the flush stored the rows). Bounded by `timeoutMs`; never throws for a slow stream.
 */
export async function waitForCatchUp(options: CatchUpOptions): Promise<CatchUp> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const pollMs = options.pollMs ?? 250;
  const pause = () => new Promise((r) => setTimeout(r, pollMs));
  const waiting = throttled(options, started);
  for (;;) {
    const { rows } = await options.postgres.query<{ passed: boolean; at: string | null }>(
      `SELECT confirmed_flush_lsn >= $1::pg_lsn AS passed, confirmed_flush_lsn::text AS at
       FROM pg_replication_slots WHERE slot_name = $2`,
      [options.walLsn, options.slot],
    );
    if (rows.length === 0) throw new HostError('EH_CONFIG_INVALID', `no replication slot "${options.slot}"`);
    if (rows[0]!.passed) break;
    const slotBehind = () =>
      `Debezium slot ${options.slot} at ${rows[0]!.at ?? 'none'}, below ${options.walLsn}`;
    if (Date.now() >= deadline) {
      return {
        caughtUp: false,
        waitedMs: Date.now() - started,
        waitingFor: slotBehind(),
      };
    }
    waiting(slotBehind);
    await pause();
  }
  const ends = new Map<string, { high: bigint; low: bigint }>();
  for (const topic of options.topics) {
    for (const p of await fetchTopicOffsets(options.admin, topic)) {
      ends.set(`${topic}:${p.partition}`, { high: BigInt(p.high), low: BigInt(p.low) });
    }
  }
  for (;;) {
    const behind: string[] = [];
    const committed = await options.admin.fetchOffsets({
      groupId: options.groupId,
      topics: [...options.topics],
    });
    const at = new Map(
      committed.flatMap((t) => t.partitions.map((p) => [`${t.topic}:${p.partition}`, BigInt(p.offset)])),
    );
    for (const [key, end] of ends) {
      const offset = at.get(key) ?? -1n;
      // Never committed: fine only if there was nothing to read.
      if (offset < 0n ? end.high > end.low : offset < end.high)
        behind.push(`${key} at ${offset} < ${end.high}`);
    }
    if (behind.length === 0) return { caughtUp: true, waitedMs: Date.now() - started };
    if (Date.now() >= deadline) {
      return {
        caughtUp: false,
        waitedMs: Date.now() - started,
        waitingFor: groupBehind(options.groupId, behind),
      };
    }
    waiting(() => groupBehind(options.groupId, behind));
    await pause();
  }
}

const firstThree = (behind: readonly string[]) =>
  `${behind.slice(0, 3).join(', ')}${behind.length > 3 ? ', …' : ''}`;
const groupBehind = (groupId: string, behind: readonly string[]) => `group ${groupId}: ${firstThree(behind)}`;

export interface CacheCatchUpOptions {
  redis: RedisClient;
  /** The cache scope's watermark hash, which holds the metric-topic positions the cache applied. */
  watermarkKey: string;
  /** How the cached hashes are sharded (default `defaultCacheKeys`): one position per shard. */
  cacheKeys?: CacheKeyScheme;
  admin: Admin;
  metricTopic: string;
  timeoutMs: number;
  pollMs?: number;
  onWaiting?: WaitReport;
  reportEveryMs?: number;
}

/**
 * Waits until the cache has applied the metric topic up to its end as read now: once `waitForCatchUp` has
 * passed, that covers every event a snapshot sees. Corrections written after it therefore reach the cached
 * hashes after those events, whatever partition each came through (the metric topic is keyed by origin, so
 * the corrections' partition says nothing about the others). Without it, a correction that takes back a
 * removal could be applied before the increment it cancels, and a count would read below zero meanwhile.
 * Partitions the cache holds no position of are not waited for (see below).
 */
export async function waitForCacheCatchUp(options: CacheCatchUpOptions): Promise<CatchUp> {
  const started = Date.now();
  const ends = (await fetchTopicOffsets(options.admin, options.metricTopic)).filter(
    (p) => BigInt(p.high) > BigInt(p.low),
  );
  // The least position over the cache's shards (see MetricCacheSink.positions).
  const cache = new MetricCacheSink(options.redis, {
    watermarkKey: options.watermarkKey,
    keys: options.cacheKeys,
    signalChannel: null,
  });
  const partitions = ends.map((p) => p.partition);
  const waiting = throttled(options, started);
  for (;;) {
    const applied = (await cache.positions(options.metricTopic, partitions)).map((v) => v ?? null);
    const behind = ends
      .map((p, i) => ({ partition: p.partition, high: BigInt(p.high), at: applied[i] }))
      // No position: this cache never applied the partition (it started after those records, or it is not
      // the cache of this topic), so none of its records are in the hashes for a correction to overtake.
      .filter((p) => p.at !== null && BigInt(p.at!) < p.high)
      .map((p) => `${options.metricTopic}:${p.partition} at ${p.at} < ${p.high}`);
    if (behind.length === 0) return { caughtUp: true, waitedMs: Date.now() - started };
    if (Date.now() - started >= options.timeoutMs) {
      return {
        caughtUp: false,
        waitedMs: Date.now() - started,
        waitingFor: `the cache: ${firstThree(behind)}`,
      };
    }
    waiting(() => `the cache: ${firstThree(behind)}`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
  }
}

/** The configured slot, or the database's only logical replication slot. */
export async function resolveSlot(postgres: pg.Pool, configured: string | undefined): Promise<string> {
  const { rows } = await postgres.query<{ slot_name: string }>(
    `SELECT slot_name FROM pg_replication_slots WHERE slot_type = 'logical' AND database = current_database()`,
  );
  const names = rows.map((r) => r.slot_name);
  if (configured !== undefined) {
    if (!names.includes(configured)) {
      throw new HostError(
        'EH_CONFIG_INVALID',
        `EVENT_HOST_DEBEZIUM_SLOT (debezium.slot): no logical replication slot "${configured}" in this database (found: ${names.join(', ') || 'none'})`,
      );
    }
    return configured;
  }
  if (names.length !== 1) {
    throw new HostError(
      'EH_CONFIG_INVALID',
      `EVENT_HOST_DEBEZIUM_SLOT (debezium.slot): required, the database has ${names.length} logical replication slots (${names.join(', ') || 'none'}); name Debezium's`,
    );
  }
  return names[0]!;
}
