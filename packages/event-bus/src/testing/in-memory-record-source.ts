import type { KafkaRecord } from '../events/kafka-record.js';
import type { CommitOffsets, PipelineStages, RecordSource } from '../runtime/ports.js';
import type { CommittedOffset } from '../runtime/resend-filter.js';

interface Commit {
  offset: string;
  metadata: string | null;
}

/**
 * A source of records in memory: `send` hands records to the ingest stage as the consumer would (one
 * partition's batch), and commits are kept per `topic:partition` with their metadata.
 *
 * Sending a partition's records again from an offset it already handed over is a replay, as a consumer
 * restarted there after a crash (or moved there by a rebalance) would read: `onRewind` runs first (the
 * re-send filter forgets what it saw, as on a rebalance), and until the partition's next commit its
 * committed positions are those of the last commit at or before that offset, the ones the restarted
 * consumer would have loaded. So a test's second `send` of the same changes exercises the replay path
 * (same ids downstream), and only a copy at a new offset (`fakeEvent.resent`) is a re-send.
 */
export class InMemoryRecordSource implements RecordSource {
  /** Offsets committed so far, per `topic:partition`. */
  readonly committed: Record<string, string> = {};
  private readonly commits = new Map<string, Commit[]>();
  /** The offset of the last record handed over, per `topic:partition`. */
  private readonly lastHanded = new Map<string, bigint>();
  /** Where a replay restarted a partition, until its next commit. */
  private readonly rewoundTo = new Map<string, bigint>();

  constructor(
    private readonly stages: PipelineStages,
    private readonly onRewind: () => void = () => {},
  ) {}

  /**
   * Processes records as one batch (listeners' prefetch runs once per batch), split where a partition goes
   * back to an offset it handed over already: a consumer restarted there reads from it in a batch of its own.
   */
  async send(records: readonly KafkaRecord[]): Promise<void> {
    let start = 0;
    for (let i = 0; i < records.length; i++) {
      if (!this.rewinds(records[i]!)) continue;
      if (i > start) await this.stages.ingest.processBatch(records.slice(start, i));
      this.onRewind();
      start = i;
    }
    await this.stages.ingest.processBatch(records.slice(start));
  }

  private rewinds(record: KafkaRecord): boolean {
    const key = `${record.topic}:${record.partition}`;
    const offset = BigInt(record.offset);
    const last = this.lastHanded.get(key);
    this.lastHanded.set(key, offset);
    if (last === undefined || offset > last) return false;
    this.rewoundTo.set(key, offset);
    return true;
  }

  async commit(offsets: CommitOffsets): Promise<void> {
    for (const o of offsets) {
      const key = `${o.topic}:${o.partition}`;
      this.committed[key] = o.offset;
      const commits = this.commits.get(key) ?? [];
      commits.push({ offset: o.offset, metadata: o.metadata ?? null });
      this.commits.set(key, commits);
      this.rewoundTo.delete(key);
    }
  }

  /** The committed offsets of `topic`'s partitions with their metadata, as Kafka's admin reads them. */
  async committedOffsets(topic: string): Promise<CommittedOffset[]> {
    const out: CommittedOffset[] = [];
    for (const [key, commits] of this.commits) {
      if (key.slice(0, key.lastIndexOf(':')) !== topic) continue;
      const rewound = this.rewoundTo.get(key);
      const commit =
        rewound === undefined ? commits.at(-1) : commits.findLast((c) => BigInt(c.offset) <= rewound);
      if (commit) out.push({ partition: Number(key.slice(key.lastIndexOf(':') + 1)), ...commit });
    }
    return out;
  }

  async start(): Promise<void> {}
  async close(): Promise<void> {}
  abort(): void {}
}
