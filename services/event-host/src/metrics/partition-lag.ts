import { type ConsumerState, fetchHostGroupOffsets } from '@engagement/event-bus/kafka';
import type { Admin } from 'kafkajs';

/** Records between a partition's end and what this host processed; `null` while that is not known. */
export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number | null;
}

/** What one successful refresh read from the brokers. */
interface Snapshot {
  /** `topic:partition` → end (high watermark). */
  ends: Map<string, bigint>;
  /** `topic:partition` → first offset still stored (where a group without a commit starts). */
  starts: Map<string, bigint>;
  /** `topic:partition` → the group's committed offset, `null` when the group never committed there. */
  committed: Map<string, bigint | null>;
}

/**
 * Lag per assigned partition, computed only from offsets known to be true: the partition's end and the
 * group's committed offset, both read from the broker by `refresh()`, and the consumer's processed
 * offsets (which only move past the committed one). A partition whose end or committed offset was not
 * read yet (just assigned, just started) has lag `null`, never a count from offset 0; a failed refresh
 * forgets what the last one read, so an outage shows as unknown lag rather than as the old number.
 * It also tells whether the host is stalled: records are waiting but no position moved for `stallAfterMs`.
 */
export class PartitionLagTracker {
  private snapshot: Snapshot | undefined;
  private lastPositions = '';
  private lastProgressAt = Date.now();

  constructor(
    private readonly admin: Pick<Admin, 'fetchTopicOffsets' | 'fetchOffsets' | 'describeCluster'>,
    /** The host group; the metric topic's offsets are read from its metric group. */
    private readonly groupId: string,
    private readonly state: () => ConsumerState,
    private readonly stallAfterMs: number,
  ) {}

  /**
   * Reads partition ends and committed offsets of the assigned topics from the broker (with nothing
   * assigned, it still asks the cluster for its metadata, so a failure always means the brokers did not
   * answer). On failure the lag becomes unknown and the error is rethrown.
   */
  async refresh(): Promise<void> {
    const topics = Object.keys(this.state().assignment);
    try {
      if (topics.length === 0) {
        await this.admin.describeCluster();
        this.snapshot = { ends: new Map(), starts: new Map(), committed: new Map() };
        return;
      }
      const ends = new Map<string, bigint>();
      const starts = new Map<string, bigint>();
      for (const topic of topics) {
        for (const p of await this.admin.fetchTopicOffsets(topic)) {
          ends.set(`${topic}:${p.partition}`, BigInt(p.high));
          starts.set(`${topic}:${p.partition}`, BigInt(p.low));
        }
      }
      const committed = new Map<string, bigint | null>();
      // The metric topic's offsets are its metric group's (metricGroupOf).
      for (const t of await fetchHostGroupOffsets(this.admin, this.groupId, topics)) {
        for (const p of t.partitions)
          committed.set(`${t.topic}:${p.partition}`, p.offset === '-1' ? null : BigInt(p.offset));
      }
      this.snapshot = { ends, starts, committed };
    } catch (error) {
      this.snapshot = undefined;
      throw error;
    }
  }

  /** Forgets what the brokers last said (they stopped answering): every lag becomes unknown. */
  markUnknown(): void {
    this.snapshot = undefined;
  }

  /** Lag of each partition assigned to this host (`null`: not known). */
  lag(): PartitionLag[] {
    const state = this.state();
    const out: PartitionLag[] = [];
    for (const [topic, partitions] of Object.entries(state.assignment)) {
      for (const partition of partitions) {
        out.push({ topic, partition, lag: this.lagOf(state, `${topic}:${partition}`) });
      }
    }
    return out;
  }

  private lagOf(state: ConsumerState, key: string): number | null {
    const snapshot = this.snapshot;
    const end = snapshot?.ends.get(key);
    if (!snapshot || end === undefined || !snapshot.committed.has(key)) return null;
    // No commit yet: the group starts at the partition's first stored offset (fromBeginning).
    const committed = snapshot.committed.get(key) ?? snapshot.starts.get(key);
    if (committed === undefined || committed === null) return null;
    const processed = state.processedOffsets[key];
    const next = maxOf(committed, processed === undefined ? undefined : BigInt(processed) + 1n);
    const seen = state.highWatermarks[key];
    const newestEnd = maxOf(end, seen === undefined ? undefined : BigInt(seen));
    return Math.max(0, Number(newestEnd - next));
  }

  /** True when records wait and no position moved for `stallAfterMs`. Call it regularly (sampler). */
  stalled(now = Date.now()): boolean {
    const state = this.state();
    const positions = JSON.stringify(state.processedOffsets);
    const waiting = this.lag().some((p) => (p.lag ?? 0) > 0);
    if (positions !== this.lastPositions || !waiting) {
      this.lastPositions = positions;
      this.lastProgressAt = now;
      return false;
    }
    return now - this.lastProgressAt > this.stallAfterMs;
  }
}

function maxOf(a: bigint, b: bigint | undefined): bigint {
  return b !== undefined && b > a ? b : a;
}
