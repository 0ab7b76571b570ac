import type { EntityMetricEvent } from '@engagement/plugin-api';
import { SinkError } from '../../errors.js';
import type { StoredRows } from '../../metrics/stored-rows.js';
import type { ApplyResult, CachePosition } from '../../runtime/ports.js';
import { APPLY_INCREMENTS_LUA, RECORD_STORED_LUA, TRIM_RECENT_LUA } from './apply-script.js';
import { type CacheKeyScheme, cacheWatermarkKey, defaultCacheKeys, shardWatermarkKey } from './cache-keys.js';
import { claimCacheLayout } from './cache-layout.js';
import { nextOffsetField } from './hash-layout.js';
import type { RedisClient } from './redis-client.js';
import { asSinkCall } from './redis-errors.js';
import { shardApplyCall } from './shard-batch.js';
import { recordStored } from './stored-events.js';

// The cache port's types (runtime/ports.ts), which this sink implements.
export type { ApplyResult, CachePosition } from '../../runtime/ports.js';

export interface MetricCacheSinkOptions {
  keys?: CacheKeyScheme;
  /**
   * Base name of the watermark hashes (one per shard, `<base>:{s<k>}`) holding the highest applied `originSeq`
   * per origin; namespace it per deployment.
   */
  watermarkKey?: string;
  /** Channel on which a message per updated hash is published, by the script that updated it. */
  signalChannel?: string | null;
  /** Optimistic retries when another consumer advances the same origin concurrently. */
  maxConflicts?: number;
  /**
   * Remember the watermarks each script left, to send the next batch without reading them first (default
   * true). A pool thread's sink does not: the batches of one partition reach different threads (and the main
   * thread), so what one thread remembers is mostly stale and would cost a refused script call.
   */
  rememberMarks?: boolean;
}

/** A metric-change signal, published as JSON for live subscribers. */
export interface MetricSignal {
  key: string;
  changes: Record<string, number>;
}

/** The script registered with `defineCommand`; typed here rather than by augmenting ioredis globally. */
interface WithApplyCommand {
  eventBusApplyEvents?(numKeys: number, args: (string | number)[]): Promise<(number | string)[]>;
}

/**
 * Keeps cached metric hashes current with `HINCRBY`, exactly once under redelivery.
 *
 * Events of one origin (a source partition) arrive in `originSeq` order. The sink remembers the highest
 * sequence applied per origin; a replayed event is at or below it and is skipped. Filtering, coalescing per
 * hash and field, applying and advancing the watermark happen in one Lua script, guarded by the watermark
 * values read just before, so a crash can never leave increments applied without their watermark.
 * Each hash also remembers what its fill counted (see MetricCacheFills), so an event is never counted by both
 * the fill and an increment, and every event is logged in its entity's recent list until ClickHouse holds it
 * (`stored`), so a fill whose query ran before the event's insert still counts it; windowed fields (`<metric>:week`…) get the events created inside their window.
 * The same script stores the metric-topic offset to read next per partition, so the position rolls back with
 * the hashes and watermarks when Redis loses writes, and the consumer learns where to read again.
 * Everything one script touches shares a shard's hash tag (`{s<k>}`, see cache-keys), so it runs on Redis
 * Cluster too: each shard has its own watermark hash and rolls back on its own with its positions.
 */
export class MetricCacheSink {
  private readonly keys: CacheKeyScheme;
  private readonly watermarkKey: string;
  private readonly signalChannel: string | null;
  private readonly maxConflicts: number;
  private readonly rememberMarks: boolean;
  /**
   * Per shard, the watermark each origin got from this sink's last successful script there: the expected
   * values of the next call, so a batch costs one round trip instead of two (`HMGET`, then the script). The
   * script checks every origin of the batch against them, so a stale value (another writer, a Redis that
   * lost writes) only costs a refusal, after which the watermarks are read from Redis.
   */
  private readonly knownMarks: Map<string, string>[];
  /** Whether this sink's shard count is the one the cache is written with (checked before its first write). */
  private layoutClaimed = false;

  constructor(
    private readonly redis: RedisClient,
    options: MetricCacheSinkOptions = {},
  ) {
    this.keys = options.keys ?? defaultCacheKeys;
    this.watermarkKey = options.watermarkKey ?? cacheWatermarkKey();
    this.signalChannel = options.signalChannel === undefined ? 'metrics:changed' : options.signalChannel;
    this.maxConflicts = options.maxConflicts ?? 10;
    this.rememberMarks = options.rememberMarks ?? true;
    this.knownMarks = Array.from({ length: this.keys.shards }, () => new Map());
    if (!(redis as WithApplyCommand).eventBusApplyEvents) {
      redis.defineCommand('eventBusApplyEvents', { lua: APPLY_INCREMENTS_LUA });
      redis.defineCommand('eventBusRecordStored', { lua: RECORD_STORED_LUA });
      redis.defineCommand('eventBusTrimRecent', { lua: TRIM_RECENT_LUA });
    }
  }

  /**
   * Applies a batch; events already applied (by an earlier delivery) are skipped. The batch is split by shard,
   * one script per shard. With a `position`, every shard's script runs and checks and stores the batch's
   * metric-topic position, also when it has no events, so the least position over the shards stays current.
   */
  async apply(events: readonly EntityMetricEvent[], position?: CachePosition): Promise<ApplyResult> {
    if (events.length === 0 && !position) return { applied: 0, skipped: 0, updatedKeys: [] };
    if (!this.layoutClaimed) await this.claimLayout();
    const byShard: EntityMetricEvent[][] = Array.from({ length: this.keys.shards }, () => []);
    for (const e of events) byShard[this.keys.shardOf(e.entityType, e.entityId)]!.push(e);
    const shards = byShard.flatMap((part, k) => (position || part.length ? [k] : []));
    const results = await Promise.all(shards.map((k) => this.applyShard(k, byShard[k]!, position)));
    const result: ApplyResult = {
      applied: results.reduce((n, r) => n + r.applied, 0),
      skipped: results.reduce((n, r) => n + r.skipped, 0),
      updatedKeys: results.flatMap((r) => r.updatedKeys),
    };
    // Shards that lost writes answered where to read again; shards further on skip the replay by watermark.
    const behind = results.flatMap((r) => (r.resumeAt === undefined ? [] : [BigInt(r.resumeAt)]));
    if (behind.length) result.resumeAt = String(least(behind));
    return result;
  }

  private async claimLayout(): Promise<void> {
    await claimCacheLayout(this.redis, this.watermarkKey, this.keys.shards);
    this.layoutClaimed = true;
  }

  private async applyShard(
    shard: number,
    events: readonly EntityMetricEvent[],
    position: CachePosition | undefined,
  ): Promise<{ applied: number; skipped: number; updatedKeys: string[]; resumeAt?: string }> {
    const watermarkKey = shardWatermarkKey(this.watermarkKey, shard);
    const origins = [...new Set(events.map((e) => e.origin))];
    const known = this.knownMarks[shard]!;
    const readMarks = async (): Promise<Map<string, string>> => {
      const marks = origins.length ? await asSinkCall(() => this.redis.hmget(watermarkKey, ...origins)) : [];
      return new Map(origins.map((o, i) => [o, marks[i] ?? '-1']));
    };
    for (let attempt = 0; attempt < this.maxConflicts; attempt++) {
      const remembered = origins.length > 0 && origins.every((o) => known.has(o));
      let call = shardApplyCall(
        watermarkKey,
        events,
        remembered ? new Map(origins.map((o) => [o, known.get(o)!])) : await readMarks(),
        this.keys,
        position,
      );
      if (call.fresh === 0 && !position) {
        // Every event looks applied. Nothing would check remembered watermarks without a call: ask Redis.
        if (remembered) call = shardApplyCall(watermarkKey, events, await readMarks(), this.keys, position);
        if (call.fresh === 0) return { applied: 0, skipped: events.length, updatedKeys: [] };
      }
      const { keys, args } = call;
      let reply: (number | string)[];
      try {
        reply = await asSinkCall(() =>
          // One array argument (ioredis flattens it): a large batch has too many values to spread into a call.
          (this.redis as WithApplyCommand).eventBusApplyEvents!(
            keys.length,
            // The channel for the change signals goes last; the script publishes them.
            (keys as (string | number)[]).concat(args, this.signalChannel ?? ''),
          ),
        );
      } catch (error) {
        // The script may have run before the connection failed: read the watermarks again next time.
        known.clear();
        throw error;
      }
      if (reply[0] === -3 || reply[0] === -1) known.clear();
      if (reply[0] === -3) return { applied: 0, skipped: 0, updatedKeys: [], resumeAt: String(reply[1]) };
      if (reply[0] === -1) continue;
      if (this.rememberMarks) for (const [origin, mark] of call.watermarks) known.set(origin, mark);
      const updatedKeys = reply.slice(1).map((i) => call.entityKeys[Number(i) - 1]!);
      return { applied: call.fresh, skipped: events.length - call.fresh, updatedKeys };
    }
    throw new SinkError('redis', `watermarks kept moving for ${this.maxConflicts} attempts`, {
      retriable: true,
    });
  }

  /** After a flush's rows were inserted into ClickHouse: see `recordStored`. Returns the recent entries dropped. */
  async stored(rows: StoredRows): Promise<number> {
    if (!this.layoutClaimed) await this.claimLayout();
    return recordStored(this.redis, { keys: this.keys, watermarkKey: this.watermarkKey }, rows);
  }

  /**
   * The metric-topic offsets stored with the increments, per partition: the least over the shards, from
   * which every shard reads on (undefined: a shard holds none, so Kafka's committed offset decides).
   */
  async positions(topic: string, partitions: readonly number[]): Promise<(string | undefined)[]> {
    if (partitions.length === 0) return [];
    const fields = partitions.map((p) => nextOffsetField(topic, p));
    const perShard = await Promise.all(
      Array.from({ length: this.keys.shards }, (_, k) =>
        asSinkCall(() => this.redis.hmget(shardWatermarkKey(this.watermarkKey, k), ...fields)),
      ),
    );
    return partitions.map((_, i) => {
      const values = perShard.map((v) => v[i]);
      if (values.some((v) => v == null)) return undefined;
      return String(least(values.map((v) => BigInt(v!))));
    });
  }

  /** Highest sequence of an origin applied in any shard, or -1. */
  async watermark(origin: string): Promise<number> {
    const marks = await Promise.all(
      Array.from({ length: this.keys.shards }, (_, k) =>
        this.redis.hget(shardWatermarkKey(this.watermarkKey, k), origin),
      ),
    );
    return Math.max(-1, ...marks.map((m) => Number(m ?? -1)));
  }
}

/** The least of some offsets (BigInt: Math.min cannot compare them). */
function least(offsets: readonly bigint[]): bigint {
  let min = offsets[0]!;
  for (const o of offsets) if (o < min) min = o;
  return min;
}
