import type { Logger } from '@engagement/plugin-api';
import type { Admin, EachBatchPayload, Kafka } from 'kafkajs';
import type { KafkaRecord } from '../events/kafka-record.js';
import type { ApplyStage } from '../runtime/apply-stage.js';
import type { CommitOffsets } from '../runtime/ingest-stage.js';

/** Redis was found holding an older metric-topic position than it had applied: it lost writes. */
export interface CacheRollback {
  topic: string;
  partition: number;
  /** The offset Redis holds; the partition is read again from here. */
  redisAt: string;
  /** The offset Redis should have held at least (applied by this member, or committed to Kafka). */
  expectedAt: string;
  /** `apply`: a batch's apply script refused; `check`: the check at assignment or on the timer. */
  detectedBy: 'apply' | 'check';
}

export interface MetricTopicPositionsOptions {
  kafka: Kafka;
  /** The group that reads and commits the metric topic (metricGroupOf). */
  groupId: string;
  /**
   * The group that read the metric topic before it had a group of its own (the host group). A partition
   * `groupId` never committed starts where this one committed, not from the topic's beginning.
   */
  formerGroupId?: string;
  topic: string;
  apply: Pick<ApplyStage, 'applyBatch' | 'cachePositions'>;
  /** kafkajs `consumer.seek` for this topic. */
  seek(partition: number, offset: string): void;
  /** Takes an applied batch's end for committing (the consumer commits it on its flush timer). */
  commit(offsets: CommitOffsets): Promise<void>;
  logger: Logger;
  /** How often owned partitions are compared with Redis while no batch arrives (default 5 s; 0: never). */
  checkIntervalMs?: number;
  onRollback?(rollback: CacheRollback): void;
}

/**
 * Reads the metric topic from where Redis says it is. The cache sink stores, per partition and in the
 * script that applies the increments, the offset to read next; a Redis that restarts from an append-only
 * file missing its last second loses that position together with the increments and watermarks, while
 * Kafka kept the offsets committed after them. Whenever Redis holds less than a batch follows, or less than
 * this member applied or found committed, the partition is sought back to the offset Redis holds: the
 * rolled-back watermarks then let exactly the lost increments apply again (docs/architecture.md).
 */
export class MetricTopicPositions {
  /** Metric partitions this member owns (the last GROUP_JOIN). */
  private owned = new Set<number>();
  /** Per partition, the least offset Redis must hold: committed at assignment, then each applied batch's end. */
  private readonly floor = new Map<number, bigint>();
  /** Per partition, the offset sought after a rollback, until a batch from there is applied. */
  private readonly sought = new Map<number, string>();
  /** Bumped by every assignment and rollback: a check that saw an older state drops what it read. */
  private epoch = 0;
  private needsCommitted = false;
  private admin: Admin | undefined;
  private checking: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: MetricTopicPositionsOptions) {}

  /** Starts the periodic check (a Redis that restarts while a partition is idle is found this way). */
  start(): void {
    const every = this.options.checkIntervalMs ?? 5_000;
    if (every > 0) this.timer = setInterval(() => void this.check(), every);
  }

  /** Stops the timer; a check still running fails when its admin client disconnects, and is only logged. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.admin?.disconnect();
  }

  /**
   * GROUP_JOIN: forgets the previous assignment and checks the new one against Kafka's committed offsets.
   * Resolves once a check covered it (or failed, which is logged): the consumer keeps the topic paused until
   * then, so no batch is applied before the seeks the check may make.
   */
  assigned(partitions: readonly number[]): Promise<void> {
    this.epoch++;
    this.owned = new Set(partitions);
    this.floor.clear();
    this.sought.clear();
    this.needsCommitted = partitions.length > 0;
    return this.check();
  }

  /**
   * One batch of the metric topic: applies it with its position, then resolves and commits it; or, when
   * Redis holds less than the batch follows, seeks back and leaves the batch unresolved. Returns the last
   * offset processed, if any. `live`: passed to the apply (`ApplyStage.applyBatch`).
   */
  async applyBatch(
    payload: EachBatchPayload,
    records: readonly KafkaRecord[],
    run: <T>(work: () => Promise<T>) => Promise<T>,
    signal: AbortSignal,
    live = false,
  ): Promise<string | undefined> {
    const { batch, resolveOffset, isStale } = payload;
    // A seek is pending for this partition: the batch was fetched from the position being abandoned.
    if (isStale()) return undefined;
    const { topic, partition } = batch;
    const first = batch.firstOffset() ?? records[0]!.offset;
    // lastOffset() counts filtered control records too: the next fetch starts right after it.
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    const expected = this.expected(partition, first);
    const position = { topic, partition, expected, next };
    const { resumeAt } = await run(() => this.options.apply.applyBatch(records, signal, position, live));
    if (resumeAt !== undefined) {
      this.rolledBack(partition, resumeAt, expected, 'apply');
      return undefined;
    }
    this.sought.delete(partition);
    this.raiseFloor(partition, next);
    const last = records[records.length - 1]!.offset;
    resolveOffset(last);
    await this.options.commit([{ topic, partition, offset: next }]);
    return last;
  }

  /** Compares Redis's positions of the owned partitions with what it must hold at least; one check at a time. */
  check(): Promise<void> {
    this.checking ??= this.compare()
      .catch((err) => this.options.logger.warn({ err }, 'consumer.position_check.failed'))
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  private async compare(): Promise<void> {
    for (;;) {
      const epoch = this.epoch;
      // Kafka first, Redis after: without a rollback, Redis's position only grows and is written before the
      // commit, so Redis read later holding less than Kafka read earlier proves lost writes.
      if (this.needsCommitted) await this.loadCommitted(epoch);
      const partitions = [...this.owned];
      const floors = partitions.map((p) => this.floor.get(p));
      const stored = await this.options.apply.cachePositions(this.options.topic, partitions);
      if (epoch !== this.epoch) continue;
      partitions.forEach((p, i) => {
        const at = stored[i];
        const floor = floors[i];
        if (at !== undefined && floor !== undefined && BigInt(at) < floor) {
          this.rolledBack(p, at, floor.toString(), 'check');
        }
      });
      return;
    }
  }

  private async loadCommitted(epoch: number): Promise<void> {
    if (!this.admin) {
      const admin = this.options.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    const [offsets] = await this.admin.fetchOffsets({
      groupId: this.options.groupId,
      topics: [this.options.topic],
    });
    if (epoch !== this.epoch) return;
    const never = new Set(this.owned);
    for (const { partition, offset } of offsets?.partitions ?? []) {
      // -1: nothing committed yet; kafkajs starts from the beginning, which no rollback can be behind.
      if (this.owned.has(partition) && BigInt(offset) >= 0n) {
        this.raiseFloor(partition, offset);
        never.delete(partition);
      }
    }
    if (never.size > 0 && this.options.formerGroupId !== undefined) {
      await this.startWhereFormerGroupWas(epoch, never);
      if (epoch !== this.epoch) return;
    }
    this.needsCommitted = false;
  }

  /**
   * A deployment that switched to the metric group: its partitions have no commit there, and reading them
   * from the beginning would replay the whole retention (no-ops against the watermarks, but all of it). The
   * former group committed each offset only after Redis applied what precedes it, so the partition is read
   * from there, and that offset is the floor Redis must hold. Batches fetched from the beginning before the
   * seek lands are applied as replays (the watermarks skip every event) or dropped as stale.
   */
  private async startWhereFormerGroupWas(epoch: number, partitions: ReadonlySet<number>): Promise<void> {
    const [offsets] = await this.admin!.fetchOffsets({
      groupId: this.options.formerGroupId!,
      topics: [this.options.topic],
    });
    if (epoch !== this.epoch) return;
    for (const { partition, offset } of offsets?.partitions ?? []) {
      if (!partitions.has(partition) || !this.owned.has(partition) || BigInt(offset) < 0n) continue;
      this.raiseFloor(partition, offset);
      this.options.seek(partition, offset);
      this.options.logger.info(
        { topic: this.options.topic, partition, offset, from: this.options.formerGroupId },
        'consumer.metric_group.started_from_former_group',
      );
    }
  }

  private raiseFloor(partition: number, offset: string): void {
    if (BigInt(offset) > (this.floor.get(partition) ?? -1n)) this.floor.set(partition, BigInt(offset));
  }

  /** The offset Redis must hold for a batch starting at `first`: `first`, or where we went back to. */
  private expected(partition: number, first: string): string {
    const sought = this.sought.get(partition);
    if (sought === undefined || BigInt(sought) >= BigInt(first)) return first;
    // We went back to `sought`, yet the partition now starts later: those records were deleted (retention),
    // so their increments cannot be applied again. Carry on from here rather than seek back forever.
    this.options.logger.error(
      { topic: this.options.topic, partition, from: sought, to: first },
      'sink.redis.rollback.records_gone',
    );
    return sought;
  }

  private rolledBack(
    partition: number,
    redisAt: string,
    expectedAt: string,
    detectedBy: CacheRollback['detectedBy'],
  ): void {
    // Seek only partitions this member owns; a second report of the same rollback changes nothing.
    if (!this.owned.has(partition) || this.sought.get(partition) === redisAt) return;
    this.epoch++;
    this.sought.set(partition, redisAt);
    this.floor.set(partition, BigInt(redisAt));
    this.options.seek(partition, redisAt);
    const rollback: CacheRollback = { topic: this.options.topic, partition, redisAt, expectedAt, detectedBy };
    this.options.logger.warn(rollback, 'sink.redis.rollback');
    this.options.onRollback?.(rollback);
  }
}
