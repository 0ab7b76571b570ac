import { MetricListenerError } from '../errors.js';
import type { Lookup, LookupStats } from './lookup.js';

export interface BatchLookupOptions<V> {
  /** For errors and stats, e.g. `image`. */
  name: string;
  /** Loads the rows of these ids in one query; ids that do not exist are simply absent. */
  load(ids: readonly number[]): Promise<Iterable<readonly [number, V]>>;
  /** Entries kept in memory (least recently used go first). Default 100 000. */
  capacity?: number;
  /** Ids per query. Default 1 000. */
  maxBatch?: number;
  /** How long `whenRemembered` waits for a missing parent's own change. Default 5 000 ms. */
  rememberWaitMs?: number;
  /**
   * After a wait for an id ran out, further waits for it within this long return at once (unless its change
   * is remembered meanwhile), so a backlog of orphans of one parent costs one wait, not one per change.
   * Default 60 000 ms.
   */
  givenUpForMs?: number;
}

interface PendingLoad<V> {
  ids: Set<number>;
  result: Promise<ReadonlyMap<number, V>>;
}

/**
 * A lookup that never queries once per event: `get` calls made in the same turn of the event loop (the
 * concurrently consumed partitions, the listeners of one change) are coalesced into one `load`, and
 * `prefetch` loads a whole Kafka batch's ids at once. Results stay in a bounded LRU. Related ids are
 * treated as immutable (an image does not change owner), so cached entries are never invalidated; the
 * parents' own change events `remember` them, which also keeps parents that were deleted answerable.
 */
export class BatchLookup<V> implements Lookup<V> {
  private readonly cache = new Map<number, V>();
  private readonly inflight = new Map<number, PendingLoad<V>>();
  private next: PendingLoad<V> | null = null;
  private readonly waiters = new Map<number, Set<() => void>>();
  /** Id → when a wait for it last ran out (insertion order = age, bounded like the cache). */
  private readonly givenUp = new Map<number, number>();
  private readonly capacity: number;
  private readonly maxBatch: number;
  readonly stats: LookupStats = { queries: 0, idsRequested: 0, hits: 0, misses: 0, waits: 0 };

  constructor(private readonly options: BatchLookupOptions<V>) {
    this.capacity = options.capacity ?? 100_000;
    this.maxBatch = options.maxBatch ?? 1_000;
  }

  get name(): string {
    return this.options.name;
  }

  /** Entries held in memory. */
  get size(): number {
    return this.cache.size;
  }

  async get(id: number): Promise<V | undefined> {
    const cached = this.cache.get(id);
    if (cached !== undefined) {
      this.stats.hits++;
      this.touch(id, cached);
      return cached;
    }
    this.stats.misses++;
    const loading = this.inflight.get(id) ?? this.enqueue([id]);
    return (await loading.result).get(id) ?? this.cache.get(id);
  }

  async prefetch(ids: Iterable<number>): Promise<void> {
    const waits = new Set<PendingLoad<V>>();
    const missing: number[] = [];
    for (const id of new Set(ids)) {
      if (this.cache.has(id)) continue;
      const loading = this.inflight.get(id);
      if (loading) waits.add(loading);
      else missing.push(id);
    }
    if (missing.length > 0) waits.add(this.enqueue(missing));
    await Promise.all([...waits].map((w) => w.result));
  }

  /** Stores related ids seen in a change of the parent row itself (created, updated or deleted). */
  remember(id: number, value: V): void {
    this.touch(id, value);
    this.givenUp.delete(id);
    const waiting = this.waiters.get(id);
    if (waiting) {
      this.waiters.delete(id);
      for (const wake of waiting) wake();
    }
  }

  whenRemembered(id: number): Promise<V | undefined> {
    const cached = this.cache.get(id);
    const ms = this.options.rememberWaitMs ?? 5_000;
    if (cached !== undefined || ms <= 0) return Promise.resolve(cached);
    const gaveUpAt = this.givenUp.get(id);
    if (gaveUpAt !== undefined) {
      if (Date.now() - gaveUpAt < (this.options.givenUpForMs ?? 60_000)) return Promise.resolve(undefined);
      this.givenUp.delete(id);
    }
    this.stats.waits++;
    return new Promise((resolve) => {
      const waiting = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, waiting);
      const wake = () => {
        clearTimeout(timer);
        resolve(this.cache.get(id));
      };
      const timer = setTimeout(() => {
        waiting.delete(wake);
        if (waiting.size === 0) this.waiters.delete(id);
        this.givenUp.delete(id);
        this.givenUp.set(id, Date.now());
        if (this.givenUp.size > this.capacity)
          this.givenUp.delete(this.givenUp.keys().next().value as number);
        resolve(undefined);
      }, ms);
      waiting.add(wake);
    });
  }

  private touch(id: number, value: V): void {
    this.cache.delete(id);
    this.cache.set(id, value);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as number);
  }

  private enqueue(ids: readonly number[]): PendingLoad<V> {
    let pending = this.next;
    if (!pending) {
      const created: PendingLoad<V> = { ids: new Set(), result: Promise.resolve(new Map()) };
      // setImmediate, not a microtask: callers resuming from other awaits in this turn still join.
      created.result = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.next = null;
        return this.loadNow(created);
      });
      this.next = created;
      pending = created;
    }
    for (const id of ids) {
      pending.ids.add(id);
      this.inflight.set(id, pending);
    }
    return pending;
  }

  private async loadNow(pending: PendingLoad<V>): Promise<ReadonlyMap<number, V>> {
    const found = new Map<number, V>();
    // Ids remembered from their parent's own change since they were queued need no query.
    for (const id of pending.ids) {
      const cached = this.cache.get(id);
      if (cached !== undefined) found.set(id, cached);
    }
    const ids = [...pending.ids].filter((id) => !found.has(id));
    try {
      for (let i = 0; i < ids.length; i += this.maxBatch) {
        const chunk = ids.slice(i, i + this.maxBatch);
        this.stats.queries++;
        this.stats.idsRequested += chunk.length;
        for (const [id, value] of await this.options.load(chunk)) {
          found.set(id, value);
          this.touch(id, value);
        }
      }
      return found;
    } catch (cause) {
      throw new MetricListenerError('ML_LOOKUP_FAILED', `${this.options.name} lookup of ${ids.length} ids`, {
        cause,
      });
    } finally {
      for (const id of pending.ids) if (this.inflight.get(id) === pending) this.inflight.delete(id);
    }
  }
}
