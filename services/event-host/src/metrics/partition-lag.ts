import type { ConsumerState } from '@engagement/event-bus/kafka';
import type { Admin } from 'kafkajs';

/** Records between a partition's end and what this host processed. */
export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/**
 * Lag per assigned partition. The ends of the partitions come from the broker (refreshed every few
 * seconds, so an idle partition still reports its true end); positions come from the consumer's processed
 * offsets, or the group's committed offset for a partition not read since the last rebalance. It also
 * tells whether the host is stalled: records are waiting but no position moved for `stallAfterMs`.
 */
export class PartitionLagTracker {
  private ends = new Map<string, bigint>();
  private committed = new Map<string, bigint>();
  private lastPositions = '';
  private lastProgressAt = Date.now();

  constructor(
    private readonly admin: Admin,
    private readonly groupId: string,
    private readonly state: () => ConsumerState,
    private readonly stallAfterMs: number,
  ) {}

  /** Reads partition ends and committed offsets of the assigned topics from the broker. */
  async refresh(): Promise<void> {
    const topics = Object.keys(this.state().assignment);
    if (topics.length === 0) return;
    const ends = new Map<string, bigint>();
    for (const topic of topics) {
      for (const p of await this.admin.fetchTopicOffsets(topic))
        ends.set(`${topic}:${p.partition}`, BigInt(p.high));
    }
    const committed = new Map<string, bigint>();
    for (const t of await this.admin.fetchOffsets({ groupId: this.groupId, topics })) {
      for (const p of t.partitions)
        if (p.offset !== '-1') committed.set(`${t.topic}:${p.partition}`, BigInt(p.offset));
    }
    this.ends = ends;
    this.committed = committed;
  }

  /** Lag of each partition assigned to this host. */
  lag(): PartitionLag[] {
    const state = this.state();
    const out: PartitionLag[] = [];
    for (const [topic, partitions] of Object.entries(state.assignment)) {
      for (const partition of partitions) {
        const key = `${topic}:${partition}`;
        const seen = state.highWatermarks[key];
        const end = maxOf(this.ends.get(key), seen === undefined ? undefined : BigInt(seen));
        if (end === undefined) continue;
        const processed = state.processedOffsets[key];
        const next =
          maxOf(processed === undefined ? undefined : BigInt(processed) + 1n, this.committed.get(key)) ?? 0n;
        out.push({ topic, partition, lag: Math.max(0, Number(end - next)) });
      }
    }
    return out;
  }

  /** True when records wait and no position moved for `stallAfterMs`. Call it regularly (sampler). */
  stalled(now = Date.now()): boolean {
    const state = this.state();
    const positions = JSON.stringify(state.processedOffsets);
    const waiting = this.lag().some((p) => p.lag > 0);
    if (positions !== this.lastPositions || !waiting) {
      this.lastPositions = positions;
      this.lastProgressAt = now;
      return false;
    }
    return now - this.lastProgressAt > this.stallAfterMs;
  }
}

function maxOf(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}
