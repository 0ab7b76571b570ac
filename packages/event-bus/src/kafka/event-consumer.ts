import { isRetriable } from '@engagement/plugin-api';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { CommitOffsets, RecordSource } from '../runtime/ports.js';
import type { ConsumerState, EventConsumerOptions } from './event-consumer-options.js';
import { MetricTopicPositions } from './metric-topic-positions.js';
import { OffsetCommits } from './offset-commits.js';
import { toRecord } from './records.js';

export type { ConsumerState, EventConsumerOptions } from './event-consumer-options.js';

/**
 * Runs the two stages on one kafkajs consumer (one consumer group for the whole host fleet).
 * Auto-commit is off: source offsets are committed by the ingest stage after its flush; metric-topic
 * offsets after the batch was applied to the caches, where the metric topic is read from the position
 * Redis stored with them (MetricTopicPositions).
 */
export class EventConsumer implements RecordSource {
  private readonly consumer: Consumer;
  private readonly positions: MetricTopicPositions;
  private readonly stop = new AbortController();
  private flushTimer: NodeJS.Timeout | undefined;
  /** Offsets to commit; those refused or failed are retried by the flush timer until they go through. */
  private readonly commits: OffsetCommits;
  /** `eachBatch` calls running now; `close` waits for them before the last flush. */
  private inFlight = 0;
  /** Set by `close`: fetching stays paused from then on. */
  private closing = false;
  /** The non-retriable error that stopped the consumer, if one did. */
  private fatal: { error: unknown } | undefined;
  readonly state: ConsumerState = {
    joined: false,
    paused: false,
    assignment: {},
    highWatermarks: {},
    processedOffsets: {},
  };

  constructor(private readonly options: EventConsumerOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      ...(options.maxBytesPerPartition ? { maxBytesPerPartition: options.maxBytesPerPartition } : {}),
      heartbeatInterval: 3_000,
      readUncommitted: false,
      allowAutoTopicCreation: false,
    });
    this.commits = new OffsetCommits(this.consumer, options.logger);
    this.positions = new MetricTopicPositions({
      kafka: options.kafka,
      groupId: options.groupId,
      topic: options.metricTopic,
      apply: options.apply,
      seek: (partition, offset) => this.consumer.seek({ topic: options.metricTopic, partition, offset }),
      commit: this.commit,
      logger: options.logger,
      checkIntervalMs: options.positionCheckMs,
      onRollback: options.onCacheRollback,
    });
    const { GROUP_JOIN, CRASH, STOP, REQUEST_TIMEOUT } = this.consumer.events;
    this.consumer.on(REQUEST_TIMEOUT, ({ payload }) => {
      this.state.lastFailure = {
        at: Date.now(),
        message: `${payload.apiName} request to ${payload.broker} timed out after ${payload.pendingDuration} ms`,
      };
    });
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      this.state.joined = true;
      this.state.assignment = payload.memberAssignment;
      const owned = new Set(
        Object.entries(payload.memberAssignment).flatMap(([t, ps]) => ps.map((p) => `${t}:${p}`)),
      );
      options.ingest.forgetPartitions((t, p) => owned.has(`${t}:${p}`));
      this.commits.keepOnly(owned);
      this.positions.assigned(payload.memberAssignment[options.metricTopic] ?? []);
      options.logger.info({ assignment: payload.memberAssignment }, 'consumer.group.join');
    });
    this.consumer.on(CRASH, ({ payload }) => {
      this.state.joined = false;
      this.state.lastFailure = { at: Date.now(), message: `consumer crashed: ${payload.error.message}` };
      options.logger.error({ err: payload.error, restart: payload.restart }, 'consumer.crash');
    });
    this.consumer.on(STOP, () => {
      this.state.joined = false;
    });
  }

  /** Connects, subscribes and starts consuming; resolves once the consumer runs. */
  async start(): Promise<void> {
    const { options } = this;
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [...options.sourceTopics, options.metricTopic],
      fromBeginning: true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
      eachBatch: async (payload) => {
        if (this.fatal) return;
        this.inFlight++;
        try {
          await this.eachBatch(payload);
        } catch (error) {
          // Nothing of this batch is resolved or committed either way; kafkajs would redeliver it forever.
          if (isRetriable(error)) throw error;
          this.fail(error);
        } finally {
          this.inFlight--;
        }
      },
    });
    this.positions.start();
    this.flushTimer = setInterval(() => {
      if (this.fatal) return;
      if (options.ingest.flushDue()) this.flushIngest();
      else if (this.commits.waiting) void this.commits.commit([]);
    }, options.flushCheckMs ?? 500);
  }

  /** The error retrying could not fix that stopped consumption, if one did (see `onFatal`). */
  get failure(): unknown {
    return this.fatal?.error;
  }

  /**
   * Stops fetching, finishes the batches in progress, flushes and commits what was processed, then leaves
   * the group. Fetching is paused rather than stopped first: kafkajs refuses commits once the consumer
   * stopped, and the last flush's offsets must be committed by this member. After a fatal sink error
   * nothing is flushed or committed: the failed work is replayed after a restart.
   */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    this.closing = true;
    const topics = Object.keys(this.state.assignment).map((topic) => ({ topic }));
    if (topics.length > 0) this.consumer.pause(topics);
    try {
      while (this.inFlight > 0 && !this.stop.signal.aborted) await new Promise((r) => setTimeout(r, 50));
      if (this.fatal) return;
      // Twice: the first may join a flush already running, which does not cover rows buffered after it began.
      await this.options.ingest.flush(this.stop.signal);
      await this.options.ingest.flush(this.stop.signal);
      if (this.commits.waiting) await this.commits.commit([]);
    } finally {
      this.stop.abort();
      await this.positions.close();
      await this.consumer.stop();
      await this.consumer.disconnect();
    }
  }

  /** Aborts retries in progress (second signal): nothing more is flushed or committed. */
  abort(): void {
    this.stop.abort();
  }

  private flushIngest(): void {
    this.options.ingest.flush(this.stop.signal).catch((err) => {
      if (!isRetriable(err) && !this.stop.signal.aborted) this.fail(err);
      else this.options.logger.error({ err }, 'sink.flush.failed');
    });
  }

  /**
   * A sink refused work for good: stop consuming (every topic paused, the flush timer idle) without
   * committing, and tell the owner once. Work processed but not stored stays uncommitted and is replayed.
   */
  private fail(error: unknown): void {
    if (this.fatal) return;
    this.fatal = { error };
    this.state.lastFailure = {
      at: Date.now(),
      message: `stopped: ${error instanceof Error ? error.message : String(error)}`,
    };
    const topics = Object.keys(this.state.assignment).map((topic) => ({ topic }));
    if (topics.length > 0) this.consumer.pause(topics);
    this.state.paused = true;
    this.options.logger.error({ err: error }, 'consumer.stopped.non_retriable_sink_error');
    this.options.onFatal?.(error);
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const beating = <T>(work: () => Promise<T>) => this.whileHeartbeating(heartbeat, work);
    const key = `${batch.topic}:${batch.partition}`;
    this.state.highWatermarks[key] = batch.highWatermark;
    const records = batch.messages.map((m) => toRecord(batch.topic, batch.partition, m));
    if (records.length === 0) return;

    if (batch.topic === this.options.metricTopic) {
      const last = await this.positions.applyBatch(payload, records, beating, this.stop.signal);
      if (last !== undefined) this.state.processedOffsets[key] = last;
      return;
    }

    // Chunks, not single records: one hop to the processor (a worker thread, possibly) per chunk, each
    // sized by the buffer room it reserved.
    const chunkSize = this.options.chunkSize ?? 500;
    let start = 0;
    while (start < records.length) {
      if (!isRunning() || isStale()) break;
      let reservation = this.options.ingest.reserve(Math.min(chunkSize, records.length - start));
      while (!reservation) {
        // Bounded buffer: wait for the flush (which retries while ClickHouse is down) instead of growing.
        await beating(() => this.pausedUntilFlushed());
        reservation = this.options.ingest.reserve(Math.min(chunkSize, records.length - start));
      }
      const chunk = records.slice(start, start + reservation.records);
      start += chunk.length;
      const held = reservation;
      await beating(() => this.options.ingest.processBatch(chunk, held, this.stop.signal));
      if (this.options.ingest.flushDue()) this.flushIngest();
      const last = chunk[chunk.length - 1]!;
      resolveOffset(last.offset);
      this.state.processedOffsets[key] = last.offset;
    }
  }

  private async pausedUntilFlushed(): Promise<void> {
    const topics = Object.keys(this.state.assignment).filter((t) => t !== this.options.metricTopic);
    this.state.paused = true;
    this.consumer.pause(topics.map((topic) => ({ topic })));
    this.options.logger.warn({ rows: this.options.ingest.bufferedRows }, 'consumer.paused.buffer_full');
    try {
      // With nothing buffered, the room is held by other partitions' chunks in progress: let them finish.
      if (this.options.ingest.bufferedRows === 0) await new Promise((r) => setTimeout(r, 10));
      else await this.options.ingest.flush(this.stop.signal);
    } finally {
      if (!this.closing && !this.fatal) this.consumer.resume(topics.map((topic) => ({ topic })));
      this.state.paused = false;
    }
  }

  /** Keeps the group membership alive while `work` waits on a slow or failing sink. */
  private async whileHeartbeating<T>(heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => void heartbeat().catch(() => undefined), 2_000);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** Commits source offsets for the ingest stage (the offset-commits port); bound, so it can be passed on. */
  readonly commit = (offsets: CommitOffsets): Promise<void> => this.commits.commit(offsets);
}
