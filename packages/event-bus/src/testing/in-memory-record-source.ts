import type { KafkaRecord } from '../events/kafka-record.js';
import type { CommitOffsets, PipelineStages, RecordSource } from '../runtime/ports.js';
import type { CommittedOffset } from '../runtime/resend-filter.js';

/**
 * A source of records in memory: `send` hands records to the ingest stage as the consumer would (one
 * partition's batch), and commits are kept per `topic:partition` with their metadata.
 */
export class InMemoryRecordSource implements RecordSource {
  /** Offsets committed so far, per `topic:partition`. */
  readonly committed: Record<string, string> = {};
  private readonly metadata: Record<string, string | null> = {};

  constructor(private readonly stages: PipelineStages) {}

  /** Processes records as one batch (listeners' prefetch runs once per batch). */
  send(records: readonly KafkaRecord[]): Promise<void> {
    return this.stages.ingest.processBatch(records);
  }

  async commit(offsets: CommitOffsets): Promise<void> {
    for (const o of offsets) {
      this.committed[`${o.topic}:${o.partition}`] = o.offset;
      this.metadata[`${o.topic}:${o.partition}`] = o.metadata ?? null;
    }
  }

  /** The committed offsets of `topic`'s partitions with their metadata, as Kafka's admin reads them. */
  async committedOffsets(topic: string): Promise<CommittedOffset[]> {
    return Object.entries(this.committed)
      .filter(([key]) => key.slice(0, key.lastIndexOf(':')) === topic)
      .map(([key, offset]) => ({
        partition: Number(key.slice(key.lastIndexOf(':') + 1)),
        offset,
        metadata: this.metadata[key] ?? null,
      }));
  }

  async start(): Promise<void> {}
  async close(): Promise<void> {}
  abort(): void {}
}
