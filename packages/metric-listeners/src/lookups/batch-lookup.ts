import { MetricListenerError } from '../errors.js';
import type { Lookup, LookupStats } from './lookup.js';

/** A row a lookup's `load` found: live in its table, or in the deleted-row archive. */
export interface LoadedRow<V> {
  id: number;
  value: V;
  /** Found in the archive of deleted rows (the parent went with a cascade). */
  archived: boolean;
}

export interface BatchLookupOptions<V> {
  /** For errors and stats, e.g. `image`. */
  name: string;
  /** Loads the rows of these ids in one query; ids that exist neither live nor archived are absent. */
  load(ids: readonly number[]): Promise<Iterable<LoadedRow<V>>>;
  /**
   * Whether the related ids can change while the row lives (an image moved to another post, a collection
   * switched to Bookmark). Mutable values are never taken from change events and are loaded again for
   * every Kafka batch; immutable ones stay cached. Default false.
   */
  mutable?: boolean;
  /**
   * Mutable lookups only: how long a loaded value answers `get` without a new query. Each batch's
   * `prefetch` reloads its ids anyway; this bounds the age of values read without one. Default 2 000 ms.
   */
  freshForMs?: number;
  /** Entries kept in memory (least recently used go first). Default 100 000. */
  capacity?: number;
  /** Ids per query. Default 1 000. */
  maxBatch?: number;
}

interface PendingLoad<V> {
  ids: Set<number>;
  result: Promise<ReadonlyMap<number, V>>;
}

interface Entry<V> {
  value: V;
  loadedAt: number;
}

/**
 * A lookup that never queries once per event: `get` calls made in the same turn of the event loop (the
 * concurrently consumed partitions, the listeners of one change) are coalesced into one `load`, and
 * `prefetch` loads a whole Kafka batch's ids at once. `load` reads the live table and the archive of
 * deleted rows together, so a parent deleted with its children (a cascade) is answered at once, on any
 * host. Immutable relations stay in a bounded LRU; mutable ones are read again for every batch.
 */
export class BatchLookup<V> implements Lookup<V> {
  private readonly cache = new Map<number, Entry<V>>();
  private readonly inflight = new Map<number, PendingLoad<V>>();
  /** The load collecting ids in this turn; not sent yet. */
  private next: PendingLoad<V> | null = null;
  private readonly capacity: number;
  private readonly maxBatch: number;
  private readonly freshForMs: number;
  readonly mutable: boolean;
  readonly stats: LookupStats = { queries: 0, idsRequested: 0, hits: 0, misses: 0, archived: 0 };

  constructor(private readonly options: BatchLookupOptions<V>) {
    this.capacity = options.capacity ?? 100_000;
    this.maxBatch = options.maxBatch ?? 1_000;
    this.mutable = options.mutable ?? false;
    this.freshForMs = options.freshForMs ?? 2_000;
  }

  get name(): string {
    return this.options.name;
  }

  /** Entries held in memory. */
  get size(): number {
    return this.cache.size;
  }

  async get(id: number): Promise<V | undefined> {
    const cached = this.usable(id);
    if (cached !== undefined) {
      this.stats.hits++;
      this.touch(id, cached);
      return cached.value;
    }
    this.stats.misses++;
    const loading = this.inflight.get(id) ?? this.enqueue([id]);
    return (await loading.result).get(id);
  }

  async prefetch(ids: Iterable<number>): Promise<void> {
    const waits = new Set<PendingLoad<V>>();
    const missing: number[] = [];
    for (const id of new Set(ids)) {
      // Mutable values are loaded again for each batch: only a load not sent yet is fresh enough to join.
      if (this.mutable) {
        if (this.next?.ids.has(id)) waits.add(this.next);
        else missing.push(id);
        continue;
      }
      if (this.cache.has(id)) continue;
      const loading = this.inflight.get(id);
      if (loading) waits.add(loading);
      else missing.push(id);
    }
    if (missing.length > 0) waits.add(this.enqueue(missing));
    await Promise.all([...waits].map((w) => w.result));
  }

  /**
   * Stores related ids seen in a change of the parent row itself. Immutable lookups only: a mutable
   * value from the change stream may be older than what the database already holds, so it is ignored.
   */
  remember(id: number, value: V): void {
    if (!this.mutable) this.touch(id, { value, loadedAt: Date.now() });
  }

  private usable(id: number): Entry<V> | undefined {
    const entry = this.cache.get(id);
    if (entry === undefined || !this.mutable) return entry;
    return Date.now() - entry.loadedAt <= this.freshForMs ? entry : undefined;
  }

  private touch(id: number, entry: Entry<V>): void {
    this.cache.delete(id);
    this.cache.set(id, entry);
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
    // Immutable ids remembered from their parent's own change since they were queued need no query.
    if (!this.mutable) {
      for (const id of pending.ids) {
        const cached = this.cache.get(id);
        if (cached !== undefined) found.set(id, cached.value);
      }
    }
    const ids = [...pending.ids].filter((id) => !found.has(id));
    try {
      for (let i = 0; i < ids.length; i += this.maxBatch) {
        const chunk = ids.slice(i, i + this.maxBatch);
        this.stats.queries++;
        this.stats.idsRequested += chunk.length;
        const rows = await this.options.load(chunk);
        // Aged from the answer: a slow query must not hand the batch values that are stale already.
        const loadedAt = Date.now();
        for (const row of rows) {
          // A live row wins over an archived one (the same id can only be both if the app re-inserts ids).
          if (row.archived && found.has(row.id)) continue;
          if (row.archived) this.stats.archived++;
          found.set(row.id, row.value);
          this.touch(row.id, { value: row.value, loadedAt });
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
