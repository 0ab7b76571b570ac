import type { EntityMetricEvent } from '@engagement/plugin-api';
import type { CacheKeyScheme } from './cache-keys.js';
import { nextOffsetField, recentEntry, recentKey } from './hash-layout.js';

/** The increments of one shard's part of a batch, ready for APPLY_INCREMENTS_LUA. */
export interface ShardApplyCall {
  /** The shard's watermark hash, then (metric hash, recent list) per entity. */
  keys: string[];
  args: (string | number)[];
  /** Metric hash keys in KEYS order (the script answers with indexes into them). */
  entityKeys: string[];
  /** Events this call applies (past the watermarks read before it). */
  fresh: number;
  /** Per origin of the batch, the watermark the shard holds once the script succeeded. */
  watermarks: Map<string, string>;
}

/** Where a batch sits in its metric-topic partition (see CachePosition). */
interface Position {
  topic: string;
  partition: number;
  expected: string;
  next: string;
}

/**
 * Builds one shard's script call from its events (in batch order) and the watermarks its hash held. An event
 * is new only if it is past everything applied before it in this shard, including earlier events of this
 * batch: a replayed run can sit in the same batch as its first copy (…, 180..200, 100..200, 201…). Each
 * origin's events of one shard keep their order, so a per-shard watermark skips exactly the replays.
 */
export function shardApplyCall(
  watermarkKey: string,
  events: readonly EntityMetricEvent[],
  marks: ReadonlyMap<string, string>,
  keys: CacheKeyScheme,
  position: Position | undefined,
): ShardApplyCall {
  const next = new Map<string, number>();
  const fresh: EntityMetricEvent[] = [];
  for (const e of events) {
    const high = next.get(e.origin) ?? Number(marks.get(e.origin) ?? '-1');
    if (e.originSeq <= high) {
      next.set(e.origin, high);
      continue;
    }
    next.set(e.origin, e.originSeq);
    fresh.push(e);
  }
  // Events stay individual (not summed per field): every one is logged in its entity's recent list, and the
  // script compares each one's position with the high water of the fill that built its hash, and its
  // createdAt with the hash's windows. Each goes as its recent-list entry, one argument: the script pushes
  // it as it is and reads its parts only for a cached hash (five arguments per event cost the client and
  // Redis about twice as much, most entities being uncached).
  const perKey = new Map<string, string[]>();
  for (const e of fresh) {
    const key = keys.key(e.entityType, e.entityId);
    const entry = recentEntry(
      e.origin,
      e.originSeq,
      keys.field(e.metricType),
      e.createdAt.getTime(),
      e.metricValue,
    );
    const entries = perKey.get(key);
    if (entries) entries.push(entry);
    else perKey.set(key, [entry]);
  }
  const entityKeys = [...perKey.keys()];
  const redisKeys = [watermarkKey];
  for (const k of entityKeys) redisKeys.push(k, recentKey(k));
  const args: (string | number)[] = position
    ? [nextOffsetField(position.topic, position.partition), position.expected, position.next]
    : ['', 0, 0];
  // Every origin of the batch, also one whose events are all replays: the script checks each watermark, so
  // expected values the caller remembered instead of reading are proven (or refused) all the same.
  args.push(next.size);
  const watermarks = new Map<string, string>();
  for (const [origin, seq] of next) {
    const expected = marks.get(origin) ?? '-1';
    const after = seq > Number(expected) ? String(seq) : expected;
    args.push(origin, expected, after);
    watermarks.set(origin, after);
  }
  for (const key of entityKeys) {
    const entries = perKey.get(key)!;
    args.push(entries.length);
    for (const v of entries) args.push(v);
  }
  return { keys: redisKeys, args, entityKeys, fresh: fresh.length, watermarks };
}
