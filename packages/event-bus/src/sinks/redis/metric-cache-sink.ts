import type { Redis } from 'ioredis';
import { SinkError } from '../../errors.js';
import type { EntityMetricEvent } from '../../metrics/entity-metric-event.js';
import { APPLY_INCREMENTS_LUA, LIVE_HASHES_LUA } from './apply-script.js';
import { type CacheKeyScheme, defaultCacheKeys } from './cache-keys.js';
import { fillMarkerKey, nextOffsetField, pendingKey } from './hash-layout.js';
import { isRetriableRedisError } from './redis-errors.js';

export interface MetricCacheSinkOptions {
  keys?: CacheKeyScheme;
  /** Hash holding the highest applied `originSeq` per origin; namespace it per deployment. */
  watermarkKey?: string;
  /** Channel on which a message per updated hash is published after each batch. */
  signalChannel?: string | null;
  /** Optimistic retries when another consumer advances the same origin concurrently. */
  maxConflicts?: number;
}

/** Where a batch sits in its metric-topic partition; the sink stores `next` with the batch's increments. */
export interface CachePosition {
  topic: string;
  partition: number;
  /** The offset Redis must hold at least for this batch to follow what it applied: the batch's first. */
  expected: string;
  /** The offset to read after this batch. */
  next: string;
}

/** What one `apply` did. */
export interface ApplyResult {
  applied: number;
  skipped: number;
  updatedKeys: string[];
  /**
   * Set when Redis holds an older position for the batch's partition than `expected`: Redis lost writes.
   * Nothing was applied; read the partition again from this offset (see APPLY_INCREMENTS_LUA).
   */
  resumeAt?: string;
}

/** A metric-change signal, published as JSON for live subscribers. */
export interface MetricSignal {
  key: string;
  changes: Record<string, number>;
}

/** The script registered with `defineCommand`; typed here rather than by augmenting ioredis globally. */
interface WithApplyCommand {
  eventBusApplyEvents?(numKeys: number, args: (string | number)[]): Promise<(number | string)[]>;
  eventBusLiveHashes?(numKeys: number, keys: string[]): Promise<number[]>;
}

/**
 * Keeps cached metric hashes current with `HINCRBY`, exactly once under redelivery.
 *
 * Events of one origin (a source partition) arrive in `originSeq` order. The sink remembers the highest
 * sequence applied per origin; a replayed event is at or below it and is skipped. Filtering, coalescing per
 * hash and field, applying and advancing the watermark happen in one Lua script, guarded by the watermark
 * values read just before, so a crash can never leave increments applied without their watermark.
 * Each hash also remembers what its fill counted (see MetricCacheFills), so an event is never counted by both
 * the fill and an increment; windowed fields (`<metric>:week`…) get the events created inside their window.
 * The same script stores the metric-topic offset to read next per partition, so the position rolls back with
 * the hashes and watermarks when Redis loses writes, and the consumer learns where to read again.
 */
export class MetricCacheSink {
  private readonly keys: CacheKeyScheme;
  private readonly watermarkKey: string;
  private readonly signalChannel: string | null;
  private readonly maxConflicts: number;

  constructor(
    private readonly redis: Redis,
    options: MetricCacheSinkOptions = {},
  ) {
    this.keys = options.keys ?? defaultCacheKeys;
    this.watermarkKey = options.watermarkKey ?? 'eventbus:cache:watermarks';
    this.signalChannel = options.signalChannel === undefined ? 'metrics:changed' : options.signalChannel;
    this.maxConflicts = options.maxConflicts ?? 10;
    if (!(redis as WithApplyCommand).eventBusApplyEvents) {
      redis.defineCommand('eventBusApplyEvents', { lua: APPLY_INCREMENTS_LUA });
      redis.defineCommand('eventBusLiveHashes', { lua: LIVE_HASHES_LUA });
    }
  }

  /**
   * Applies a batch; events already applied (by an earlier delivery) are skipped. With a `position`, the
   * batch's metric-topic position is checked and stored in the same script, also when every event is skipped.
   */
  async apply(events: readonly EntityMetricEvent[], position?: CachePosition): Promise<ApplyResult> {
    if (events.length === 0 && !position) return { applied: 0, skipped: 0, updatedKeys: [] };
    const origins = [...new Set(events.map((e) => e.origin))];
    const eventKeys = events.map((e) => this.keys.key(e.entityType, e.entityId));
    const allKeys = [...new Set(eventKeys)];
    for (let attempt = 0; attempt < this.maxConflicts; attempt++) {
      // One round trip: the watermarks, and which hashes are live (cached or being filled). Only live hashes
      // get per-event details; the script re-checks the others and answers -2 if one came alive meanwhile.
      // The last attempt sends every hash as live, so a hash that keeps being refilled cannot starve a batch.
      const lastAttempt = attempt === this.maxConflicts - 1;
      const [marks, liveFlags] = await this.readState(origins, lastAttempt ? [] : allKeys);
      const live = new Set(lastAttempt ? allKeys : allKeys.filter((_, i) => liveFlags[i] === 1));
      const expected = new Map(origins.map((o, i) => [o, marks[i] ?? '-1']));
      // An event is new only if it is past everything applied before it, including earlier events of this
      // batch: a replayed run can sit in the same batch as its first copy (…, 180..200, 100..200, 201…).
      const next = new Map<string, number>();
      const fresh: number[] = [];
      events.forEach((e, i) => {
        const high = next.get(e.origin) ?? Number(expected.get(e.origin));
        if (e.originSeq <= high) return;
        next.set(e.origin, e.originSeq);
        fresh.push(i);
      });
      if (fresh.length === 0 && !position) return { applied: 0, skipped: events.length, updatedKeys: [] };

      // Events of live hashes stay individual (not summed per field): the script compares each one's position
      // with the high water of the fill that built its hash, and its createdAt with the hash's windows.
      const originIndex = new Map([...next.keys()].map((o, i) => [o, i + 1]));
      const perKey = new Map<string, (string | number)[]>();
      const idle = new Set<string>();
      const deltas = new Map<string, Map<string, number>>();
      for (const i of fresh) {
        const e = events[i]!;
        const key = eventKeys[i]!;
        if (!live.has(key)) {
          idle.add(key);
          continue;
        }
        const field = this.keys.field(e.metricType);
        const args = perKey.get(key) ?? [];
        args.push(originIndex.get(e.origin)!, e.originSeq, field, e.createdAt.getTime(), e.metricValue);
        perKey.set(key, args);
        const fields = deltas.get(key) ?? new Map<string, number>();
        fields.set(field, (fields.get(field) ?? 0) + e.metricValue);
        deltas.set(key, fields);
      }
      const liveKeys = [...perKey.keys()];
      const redisKeys: (string | number)[] = [this.watermarkKey];
      for (const k of liveKeys) redisKeys.push(k, fillMarkerKey(k), pendingKey(k));
      for (const k of idle) redisKeys.push(k, fillMarkerKey(k));
      const args: (string | number)[] = position
        ? [nextOffsetField(position.topic, position.partition), position.expected, position.next]
        : ['', 0, 0];
      args.push(next.size);
      for (const [origin, seq] of next) args.push(origin, expected.get(origin)!, seq);
      args.push(liveKeys.length);
      for (const key of liveKeys) {
        const entries = perKey.get(key)!;
        args.push(entries.length / 5);
        for (const v of entries) args.push(v);
      }
      const reply = await this.call(() =>
        // One array argument (ioredis flattens it): a large batch has too many values to spread into a call.
        (this.redis as WithApplyCommand).eventBusApplyEvents!(redisKeys.length, redisKeys.concat(args)),
      );
      if (reply[0] === -3) return { applied: 0, skipped: 0, updatedKeys: [], resumeAt: String(reply[1]) };
      if (reply[0] === -1 || reply[0] === -2) continue;
      const updatedKeys = reply.slice(1).map((i) => liveKeys[Number(i) - 1]!);
      await this.signal(updatedKeys, deltas);
      return { applied: fresh.length, skipped: events.length - fresh.length, updatedKeys };
    }
    throw new SinkError(
      'redis',
      `watermarks or cached hashes kept moving for ${this.maxConflicts} attempts`,
      {
        retriable: true,
      },
    );
  }

  private async readState(origins: string[], keys: string[]): Promise<[(string | null)[], number[]]> {
    // No events (every record of the batch was invalid): only the position goes through the script.
    if (origins.length === 0) return [[], []];
    const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & WithApplyCommand;
    pipeline.hmget(this.watermarkKey, ...origins);
    if (keys.length) {
      const pairs: string[] = [];
      for (const k of keys) pairs.push(k, fillMarkerKey(k));
      pipeline.eventBusLiveHashes!(pairs.length, pairs);
    }
    const results = await this.call(() => pipeline.exec());
    for (const [err] of results ?? [])
      if (err)
        throw new SinkError('redis', err.message, { cause: err, retriable: isRetriableRedisError(err) });
    return [results![0]![1] as (string | null)[], keys.length ? (results![1]![1] as number[]) : []];
  }

  /** The metric-topic offsets stored with the increments, per partition (undefined: none stored yet). */
  async positions(topic: string, partitions: readonly number[]): Promise<(string | undefined)[]> {
    if (partitions.length === 0) return [];
    const fields = partitions.map((p) => nextOffsetField(topic, p));
    const values = await this.call(() => this.redis.hmget(this.watermarkKey, ...fields));
    return values.map((v) => v ?? undefined);
  }

  /** Highest applied sequence for an origin, or -1. */
  async watermark(origin: string): Promise<number> {
    return Number((await this.redis.hget(this.watermarkKey, origin)) ?? -1);
  }

  private async signal(keys: string[], deltas: Map<string, Map<string, number>>): Promise<void> {
    if (!this.signalChannel || keys.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const key of keys) {
      const signal: MetricSignal = { key, changes: Object.fromEntries(deltas.get(key)!) };
      pipeline.publish(this.signalChannel, JSON.stringify(signal));
    }
    // Signals are best effort: the cache is already correct, and subscribers re-read on reconnect.
    await pipeline.exec().catch(() => undefined);
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw new SinkError('redis', (cause as Error).message, {
        cause,
        retriable: isRetriableRedisError(cause),
      });
    }
  }
}
