import type { ClickHouseClient } from '@clickhouse/client';
import { checkRollup, type RollupDifference } from '@engagement/event-bus/sinks/clickhouse';
import type { CacheKeyScheme, RedisClient } from '@engagement/event-bus/sinks/redis';
import type { Admin } from 'kafkajs';
import type pg from 'pg';
import { type CacheDifference, checkCachedHashes } from './cache-check.js';
import { type CatchUp, type WaitReport, waitForCacheCatchUp, waitForCatchUp } from './catch-up.js';
import { compareGroups, type Difference, type MetricFindings } from './compare.js';
import type { SourceSnapshot } from './source-snapshot.js';
import { readStoredTotals } from './stored-totals.js';

/** One batch of entities of one type: its truth at its snapshot, and the metrics compared. */
export interface Batch {
  source: SourceSnapshot;
  metrics: readonly string[];
  /** The metrics among them whose truth is in ClickHouse source tables. */
  clickhouseMetrics: readonly string[];
}

export interface RoundOptions {
  postgres: pg.Pool;
  clickhouse: ClickHouseClient;
  redis: RedisClient;
  admin: Admin;
  groupId: string;
  sourceTopics: readonly string[];
  watermarkKey: string;
  /** How the cached hashes are named (default `defaultCacheKeys`); the sink's scheme. */
  cacheKeys?: CacheKeyScheme;
  slot: string;
  waitMs: number;
  /** With it, the round also waits until the cache applied the metric topic (`waitForCacheCatchUp`). */
  metricTopic?: string;
  /** Told what a long wait still waits for, every 10 s. */
  onWaiting?: WaitReport;
}

/** What comparing a round found; nothing when the stream did not catch up in time. */
export type RoundResult =
  | { caughtUp: false; catchUp: CatchUp & { caughtUp: false } }
  | {
      caughtUp: true;
      catchUp: CatchUp;
      findings: MetricFindings[];
      /** Per batch, its differences (corrections are dated and identified by the batch's snapshot). */
      differences: { batch: Batch; differences: Difference[] }[];
      cache: CacheDifference[];
      /** Where the read rollup disagrees with the stored events it summarises (`checkRollup`). */
      rollup: RollupDifference[];
      /** With `metricTopic`: what the cache had not applied when the bounded wait for it ended. */
      cacheBehind?: string;
    };

/** How long a round waits for the cache to apply the metric topic before it goes on regardless. */
export const CACHE_WAIT_MS = 10_000;

/**
 * Compares a round of batches: one wait until the stream has stored everything the newest snapshot sees
 * (the last batch's WAL position is the highest, so it covers the older ones) and the cache has applied it
 * (so cached hashes are compared, and corrected, after the events they are compared with), then per batch the stored
 * events its snapshot sees against its truth, then the cached hashes of its entities against ClickHouse, and the read rollup against the stored events.
 */
export async function compareRound(options: RoundOptions, batches: readonly Batch[]): Promise<RoundResult> {
  const catchUp = await waitForCatchUp({
    postgres: options.postgres,
    slot: options.slot,
    walLsn: batches.at(-1)!.source.walLsn,
    admin: options.admin,
    groupId: options.groupId,
    topics: options.sourceTopics,
    timeoutMs: options.waitMs,
    onWaiting: options.onWaiting,
  });
  if (!catchUp.caughtUp) return { caughtUp: false, catchUp };
  let cacheBehind: string | undefined;
  if (options.metricTopic !== undefined) {
    // Bounded and then passed: a cache stuck behind must not stop recomputes (exact first); its counts can
    // then dip below zero until it catches up, and the caller is told.
    const cache = await waitForCacheCatchUp({
      ...options,
      metricTopic: options.metricTopic,
      timeoutMs: Math.min(CACHE_WAIT_MS, Math.max(0, options.waitMs - catchUp.waitedMs)),
    });
    catchUp.waitedMs += cache.waitedMs;
    if (!cache.caughtUp) cacheBehind = cache.waitingFor;
  }
  const findings: MetricFindings[] = [];
  const differences: { batch: Batch; differences: Difference[] }[] = [];
  const cache: CacheDifference[] = [];
  const rollup: RollupDifference[] = [];
  for (const batch of batches) {
    const { entityType, entityIds } = batch.source;
    const stored = await readStoredTotals(options.clickhouse, {
      source: batch.source,
      metrics: batch.metrics,
      clickhouseMetrics: batch.clickhouseMetrics,
    });
    const compared = compareGroups(entityType, entityIds, batch.metrics, batch.source.truth, stored);
    for (const f of compared.findings) findings.push(f);
    differences.push({ batch, differences: compared.differences });
    const hashes = await checkCachedHashes({
      redis: options.redis,
      clickhouse: options.clickhouse,
      watermarkKey: options.watermarkKey,
      keys: options.cacheKeys,
      entityType,
      entityIds,
    });
    for (const d of hashes.differences) if (batch.metrics.includes(d.metric)) cache.push(d);
    // What app reads take from ClickHouse (the rollup) against the stored events just compared with truth.
    const rolled = await checkRollup(options.clickhouse, {
      entityType,
      entityIds,
      metricTypes: batch.metrics,
    });
    for (const d of rolled.differences) rollup.push(d);
  }
  return { caughtUp: true, catchUp, findings, differences, cache, rollup, cacheBehind };
}
