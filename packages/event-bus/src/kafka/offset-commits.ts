import type { Logger } from '@engagement/plugin-api';
import type { Consumer } from 'kafkajs';
import type { CommitOffsets } from '../runtime/ingest-stage.js';

/**
 * Offsets waiting to be committed, the highest per partition. A commit that is refused (a rebalance) or
 * fails leaves them here for the next call: what they cover is stored, so committing later is safe.
 */
export class OffsetCommits {
  private readonly pending = new Map<string, CommitOffsets[number]>();

  constructor(
    private readonly consumer: Consumer,
    private readonly logger: Logger,
  ) {}

  get waiting(): boolean {
    return this.pending.size > 0;
  }

  /** Adds `offsets` to those waiting, without committing: the next `commit` (or the flush timer) takes them. */
  add(offsets: CommitOffsets): void {
    for (const o of offsets) {
      const key = `${o.topic}:${o.partition}`;
      const pending = this.pending.get(key);
      if (!pending || BigInt(pending.offset) < BigInt(o.offset)) this.pending.set(key, o);
    }
  }

  /** Drops the offsets of partitions this member no longer owns (`topic:partition` keys). */
  keepOnly(owned: ReadonlySet<string>): void {
    for (const key of this.pending.keys()) if (!owned.has(key)) this.pending.delete(key);
  }

  /** Adds `offsets` and commits everything waiting. */
  async commit(offsets: CommitOffsets): Promise<void> {
    this.add(offsets);
    const batch = [...this.pending.values()];
    if (batch.length === 0) return;
    try {
      await this.consumer.commitOffsets(batch);
      for (const o of batch) {
        const key = `${o.topic}:${o.partition}`;
        if (this.pending.get(key) === o) this.pending.delete(key);
      }
    } catch (err) {
      // They stay pending and the flush timer retries them; offsets of partitions we lose are dropped on join.
      this.logger.warn({ err, offsets: batch }, 'consumer.commit.refused');
    }
  }
}
