import type { Redis } from 'ioredis';
import { SinkError } from '../../errors.js';
import type { EntityMetricEvent } from '../../metrics/entity-metric-event.js';
import { APPLY_INCREMENTS_LUA } from './apply-script.js';
import { type CacheKeyScheme, defaultCacheKeys } from './cache-keys.js';

export interface MetricCacheSinkOptions {
  keys?: CacheKeyScheme;
  /** Hash holding the highest applied `originSeq` per origin; namespace it per deployment. */
  watermarkKey?: string;
  /** Channel on which a message per updated hash is published after each batch. */
  signalChannel?: string | null;
  /** Optimistic retries when another consumer advances the same origin concurrently. */
  maxConflicts?: number;
}

/** What one `apply` did. */
export interface ApplyResult {
  applied: number;
  skipped: number;
  updatedKeys: string[];
}

/** A metric-change signal, published as JSON for live subscribers. */
export interface MetricSignal {
  key: string;
  changes: Record<string, number>;
}

/** The script registered with `defineCommand`; typed here rather than by augmenting ioredis globally. */
interface WithApplyCommand {
  eventBusApplyIncrements?(numKeys: number, ...args: (string | number)[]): Promise<number[]>;
}

/**
 * Keeps cached metric hashes current with `HINCRBY`, exactly once under redelivery.
 *
 * Events of one origin (a source partition) arrive in `originSeq` order. The sink remembers the highest
 * sequence applied per origin; a replayed event is at or below it and is skipped. Filtering, coalescing per
 * hash and field, applying and advancing the watermark happen in one Lua script, guarded by the watermark
 * values read just before, so a crash can never leave increments applied without their watermark.
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
    if (!(redis as WithApplyCommand).eventBusApplyIncrements) {
      redis.defineCommand('eventBusApplyIncrements', { lua: APPLY_INCREMENTS_LUA });
    }
  }

  /** Applies a batch; events already applied (by an earlier delivery) are skipped. */
  async apply(events: readonly EntityMetricEvent[]): Promise<ApplyResult> {
    if (events.length === 0) return { applied: 0, skipped: 0, updatedKeys: [] };
    const origins = [...new Set(events.map((e) => e.origin))];
    for (let attempt = 0; attempt < this.maxConflicts; attempt++) {
      const marks = await this.call(() => this.redis.hmget(this.watermarkKey, ...origins));
      const expected = new Map(origins.map((o, i) => [o, marks[i] ?? '-1']));
      // An event is new only if it is past everything applied before it, including earlier events of this
      // batch: a replayed run can sit in the same batch as its first copy (…, 180..200, 100..200, 201…).
      const next = new Map<string, number>();
      const fresh = events.filter((e) => {
        const high = next.get(e.origin) ?? Number(expected.get(e.origin));
        if (e.originSeq <= high) return false;
        next.set(e.origin, e.originSeq);
        return true;
      });
      if (fresh.length === 0) return { applied: 0, skipped: events.length, updatedKeys: [] };

      const deltas = new Map<string, Map<string, number>>();
      for (const e of fresh) {
        const key = this.keys.key(e.entityType, e.entityId);
        const field = this.keys.field(e.metricType);
        const fields = deltas.get(key) ?? new Map<string, number>();
        fields.set(field, (fields.get(field) ?? 0) + e.metricValue);
        deltas.set(key, fields);
      }
      const keyList = [...deltas.keys()];
      const args: (string | number)[] = [next.size];
      for (const [origin, seq] of next) args.push(origin, expected.get(origin)!, seq);
      for (const key of keyList) {
        const fields = deltas.get(key)!;
        args.push(fields.size);
        for (const [field, delta] of fields) args.push(field, delta);
      }
      const reply = await this.call(() =>
        (this.redis as WithApplyCommand).eventBusApplyIncrements!(
          1 + keyList.length,
          this.watermarkKey,
          ...keyList,
          ...args,
        ),
      );
      if (reply[0] === -1) continue;
      const updatedKeys = reply.slice(1).map((i) => keyList[i - 1]!);
      await this.signal(updatedKeys, deltas);
      return { applied: fresh.length, skipped: events.length - fresh.length, updatedKeys };
    }
    throw new SinkError('redis', `watermarks kept moving for ${this.maxConflicts} attempts`, {
      retriable: true,
    });
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
      throw new SinkError('redis', (cause as Error).message, { cause });
    }
  }
}
