import type { EntityMetricEvent } from '@engagement/plugin-api';

/**
 * What the steps after a flush's insert need to know of its events, kept instead of the events: how many, the
 * highest `originSeq` per origin (the cache's `~ch` positions) and the distinct entities (the cache's recent
 * lists, the search queue). A flush of the plan's 30 s held every event object until it ended: the host's
 * heap grew by ~6 MB a second and its major collections stalled the event loop (docs/performance-history.md,
 * "Session of 2026-12-03").
 */
export class StoredRows {
  count = 0;
  /** The highest `originSeq` per origin. */
  readonly upto = new Map<string, number>();
  /** Entity ids per entity type. */
  readonly entities = new Map<string, Set<number>>();

  static of(events: readonly StoredEvent[]): StoredRows {
    const rows = new StoredRows();
    for (const e of events) rows.add(e);
    return rows;
  }

  /** The rows again from their structured clone (a pool thread's, which arrives as a plain object). */
  static revive(copy: Pick<StoredRows, 'count' | 'upto' | 'entities'>): StoredRows {
    const rows = new StoredRows();
    rows.count = copy.count;
    for (const [origin, seq] of copy.upto) rows.upto.set(origin, seq);
    for (const [type, ids] of copy.entities) rows.entities.set(type, ids);
    return rows;
  }

  add(e: StoredEvent): void {
    this.count++;
    const seq = this.upto.get(e.origin);
    if (seq === undefined || e.originSeq > seq) this.upto.set(e.origin, e.originSeq);
    const ids = this.entities.get(e.entityType);
    if (ids) ids.add(e.entityId);
    else this.entities.set(e.entityType, new Set([e.entityId]));
  }

  /** Adds `other`'s rows to these (a flush that failed puts its rows back). */
  merge(other: StoredRows): void {
    this.count += other.count;
    for (const [origin, seq] of other.upto) {
      const mine = this.upto.get(origin);
      if (mine === undefined || seq > mine) this.upto.set(origin, seq);
    }
    for (const [type, ids] of other.entities) {
      const mine = this.entities.get(type);
      if (!mine) this.entities.set(type, new Set(ids));
      else for (const id of ids) mine.add(id);
    }
  }
}

export type StoredEvent = Pick<EntityMetricEvent, 'origin' | 'originSeq' | 'entityType' | 'entityId'>;
