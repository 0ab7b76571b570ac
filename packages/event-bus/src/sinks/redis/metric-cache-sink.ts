import type { EntityMetricEvent } from '@engagement/plugin-api';
import type { Redis } from 'ioredis';
import { SinkError } from '../../errors.js';
import type { ApplyResult, CachePosition } from '../../runtime/ports.js';
import { APPLY_INCREMENTS_LUA, RECORD_STORED_LUA, TRIM_RECENT_LUA } from './apply-script.js';
import { type CacheKeyScheme, defaultCacheKeys } from './cache-keys.js';
import { fillMarkerKey, nextOffsetField, recentKey, storedField } from './hash-layout.js';
import { isRetriableRedisError } from './redis-errors.js';

// The cache port's types (runtime/ports.ts), which this sink implements.
export type { ApplyResult, CachePosition } from '../../runtime/ports.js';

/** Recent lists trimmed per script call after an insert (small calls: Redis runs other clients in between). */
const TRIM_KEYS_PER_CALL = 50;

export interface MetricCacheSinkOptions {
  keys?: CacheKeyScheme;
  /** Hash holding the highest applied `originSeq` per origin; namespace it per deployment. */
  watermarkKey?: string;
  /** Channel on which a message per updated hash is published after each batch. */
  signalChannel?: string | null;
  /** Optimistic retries when another consumer advances the same origin concurrently. */
  maxConflicts?: number;
}

/** A metric-change signal, published as JSON for live subscribers. */
export interface MetricSignal {
  key: string;
  changes: Record<string, number>;
}

/** The script registered with `defineCommand`; typed here rather than by augmenting ioredis globally. */
interface WithApplyCommand {
  eventBusApplyEvents?(numKeys: number, args: (string | number)[]): Promise<(number | string)[]>;
  eventBusRecordStored?(numKeys: number, ...args: (string | number)[]): Promise<number>;
  eventBusTrimRecent?(numKeys: number, args: (string | number)[]): Promise<number>;
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
      redis.defineCommand('eventBusRecordStored', { lua: RECORD_STORED_LUA });
      redis.defineCommand('eventBusTrimRecent', { lua: TRIM_RECENT_LUA });
    }
  }

  /**
   * Applies a batch; events already applied (by an earlier delivery) are skipped. With a `position`, the
   * batch's metric-topic position is checked and stored in the same script, also when every event is skipped.
   */
  async apply(events: readonly EntityMetricEvent[], position?: CachePosition): Promise<ApplyResult> {
    if (events.length === 0 && !position) return { applied: 0, skipped: 0, updatedKeys: [] };
    const origins = [...new Set(events.map((e) => e.origin))];
    for (let attempt = 0; attempt < this.maxConflicts; attempt++) {
      const marks = await this.readWatermarks(origins);
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

      // Events stay individual (not summed per field): every one is logged in its entity's recent list, and the
      // script compares each one's position with the high water of the fill that built its hash, and its
      // createdAt with the hash's windows.
      const originIndex = new Map([...next.keys()].map((o, i) => [o, i + 1]));
      const perKey = new Map<string, (string | number)[]>();
      const deltas = new Map<string, Map<string, number>>();
      for (const i of fresh) {
        const e = events[i]!;
        const key = this.keys.key(e.entityType, e.entityId);
        const field = this.keys.field(e.metricType);
        const args = perKey.get(key) ?? [];
        args.push(originIndex.get(e.origin)!, e.originSeq, field, e.createdAt.getTime(), e.metricValue);
        perKey.set(key, args);
        const fields = deltas.get(key) ?? new Map<string, number>();
        fields.set(field, (fields.get(field) ?? 0) + e.metricValue);
        deltas.set(key, fields);
      }
      const entityKeys = [...perKey.keys()];
      const redisKeys: (string | number)[] = [this.watermarkKey];
      for (const k of entityKeys) redisKeys.push(k, recentKey(k));
      const args: (string | number)[] = position
        ? [nextOffsetField(position.topic, position.partition), position.expected, position.next]
        : ['', 0, 0];
      args.push(next.size);
      for (const [origin, seq] of next) args.push(origin, expected.get(origin)!, seq);
      for (const key of entityKeys) {
        const entries = perKey.get(key)!;
        args.push(entries.length / 5);
        for (const v of entries) args.push(v);
      }
      const reply = await this.call(() =>
        // One array argument (ioredis flattens it): a large batch has too many values to spread into a call.
        (this.redis as WithApplyCommand).eventBusApplyEvents!(redisKeys.length, redisKeys.concat(args)),
      );
      if (reply[0] === -3) return { applied: 0, skipped: 0, updatedKeys: [], resumeAt: String(reply[1]) };
      if (reply[0] === -1) continue;
      const updatedKeys = reply.slice(1).map((i) => entityKeys[Number(i) - 1]!);
      await this.signal(updatedKeys, deltas);
      return { applied: fresh.length, skipped: events.length - fresh.length, updatedKeys };
    }
    throw new SinkError('redis', `watermarks kept moving for ${this.maxConflicts} attempts`, {
      retriable: true,
    });
  }

  /**
   * Called after `events` were inserted into ClickHouse: records, per origin, that ClickHouse holds every
   * event up to the highest `originSeq` among them (`~ch:<origin>` in the watermark hash), then drops those
   * events from their entities' recent lists. Every event of an origin below the first one a host buffers
   * was stored before its source offset was committed, and a host flushes its buffer whole and in order, so
   * ClickHouse then holds each origin's whole prefix up to that position. Returns the entries dropped.
   */
  async stored(events: readonly EntityMetricEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const upto = new Map<string, number>();
    const keys = new Set<string>();
    for (const e of events) {
      if (e.originSeq > (upto.get(e.origin) ?? -1)) upto.set(e.origin, e.originSeq);
      keys.add(this.keys.key(e.entityType, e.entityId));
    }
    const positions: (string | number)[] = [];
    for (const [origin, seq] of upto) positions.push(storedField(origin), seq);
    await this.call(() =>
      (this.redis as WithApplyCommand).eventBusRecordStored!(1, this.watermarkKey, ...positions),
    );
    const originArgs: (string | number)[] = [upto.size];
    for (const [origin, seq] of upto) originArgs.push(origin, seq);
    const all = [...keys];
    let dropped = 0;
    for (let i = 0; i < all.length; i += TRIM_KEYS_PER_CALL) {
      const redisKeys: string[] = [];
      for (const k of all.slice(i, i + TRIM_KEYS_PER_CALL)) redisKeys.push(fillMarkerKey(k), recentKey(k));
      dropped += await this.call(() =>
        (this.redis as WithApplyCommand).eventBusTrimRecent!(
          redisKeys.length,
          (redisKeys as (string | number)[]).concat(originArgs),
        ),
      );
    }
    return dropped;
  }

  private async readWatermarks(origins: string[]): Promise<(string | null)[]> {
    // No events (every record of the batch was invalid): only the position goes through the script.
    if (origins.length === 0) return [];
    return this.call(() => this.redis.hmget(this.watermarkKey, ...origins));
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
