import { isRetriable } from '@engagement/plugin-api';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { CommitOffsets, RecordSource } from '../runtime/ports.js';
import type { ConsumerState, EventConsumerOptions } from './event-consumer-options.js';
import { metricGroupOf } from './metric-group.js';
import { MetricTopicPositions } from './metric-topic-positions.js';
import { OffsetCommits } from './offset-commits.js';
import { toRecord } from './records.js';
import { SourceBacklog } from './source-backlog.js';

export type { ConsumerState, EventConsumerOptions } from './event-consumer-options.js';

/** How long a metric-topic fetch waits for data (kafkajs `maxWaitTimeInMs`; see the constructor). */
const METRIC_FETCH_WAIT_MS = 100;

/** One of the two kafkajs consumers, with what its group gave it. */
interface Member {
  consumer: Consumer;
  /** Offsets to commit; those refused or failed are retried by the flush timer until they go through. */
  commits: OffsetCommits;
  joined: boolean;
  assignment: Record<string, number[]>;
}

/**
 * Runs the two stages on two kafkajs consumers, each with its own fetch loop: the source topics in the host
 * group (`groupId`, shared by the whole host fleet), the metric topic in the metric group (metricGroupOf),
 * so a metric batch is fetched and applied while source batches are still being processed. Auto-commit is
 * off: source offsets are committed by the ingest stage after its flush; metric-topic offsets after the batch
 * was applied to the caches, where the metric topic is read from the position Redis stored with them
 * (MetricTopicPositions).
 */
export class EventConsumer implements RecordSource {
  private readonly sources: Member;
  private readonly metrics: Member;
  private readonly positions: MetricTopicPositions;
  private readonly stop = new AbortController();
  private flushTimer: NodeJS.Timeout | undefined;
  /** `eachBatch` calls running now; `close` waits for them before the last flush. */
  private inFlight = 0;
  /** Set by `close`: fetching stays paused from then on. */
  private closing = false;
  /** The non-retriable error that stopped the consumer, if one did. */
  private fatal: { error: unknown } | undefined;
  /** Whether this member works through a source backlog or is live, at the head of its sources. */
  private readonly backlog = new SourceBacklog();
  readonly state: ConsumerState = {
    joined: false,
    paused: false,
    assignment: {},
    highWatermarks: {},
    processedOffsets: {},
  };

  constructor(private readonly options: EventConsumerOptions) {
    // The fetch bound is for source backlogs (see the option); metric fetches keep kafkajs's default bound.
    this.sources = this.member(
      options.groupId,
      { maxBytesPerPartition: options.maxBytesPerPartition },
      (owned) => {
        options.ingest.forgetPartitions((t, p) => owned.has(`${t}:${p}`));
        this.backlog.keepOnly(owned);
      },
    );
    const metricGroup = metricGroupOf(options.groupId);
    // A short fetch wait: kafkajs sleeps that long when every partition is paused, as the metric topic is at
    // each assignment until the check below ran; with its default (5 s), the first applies after a start or a
    // rebalance waited up to 5 s (2.9 s in the host test, and the latency bench's first slice). Idle, it costs
    // a fetch request every 100 ms.
    this.metrics = this.member(
      metricGroup,
      { maxWaitTimeInMs: METRIC_FETCH_WAIT_MS },
      (_owned, assignment) => {
        // Paused before the first fetch of the new assignment (GROUP_JOIN is emitted before it) until the
        // check against the committed offsets made its seeks: a batch fetched from the old position would be
        // applied first (a replay the watermarks skip, but after a switch-over possibly the whole topic).
        const topics = [{ topic: options.metricTopic }];
        this.metrics.consumer.pause(topics);
        void this.positions.assigned(assignment[options.metricTopic] ?? []).finally(() => {
          if (!this.closing && !this.fatal) this.metrics.consumer.resume(topics);
        });
      },
    );
    this.positions = new MetricTopicPositions({
      kafka: options.kafka,
      groupId: metricGroup,
      formerGroupId: options.groupId,
      topic: options.metricTopic,
      apply: options.apply,
      seek: (partition, offset) =>
        this.metrics.consumer.seek({ topic: options.metricTopic, partition, offset }),
      // Held for the flush timer, not committed per batch: a commit per batch cost a broker round trip in
      // the metric loop before its next fetch (and ~350 requests a second at 7,000 changes/s). Redis's
      // position, written with the increments, is what the topic is read from; a commit that lags only
      // makes a successor replay a little more, which the watermarks skip.
      commit: async (offsets) => this.metrics.commits.add(offsets),
      logger: options.logger,
      checkIntervalMs: options.positionCheckMs,
      onRollback: options.onCacheRollback,
    });
  }

  /** A consumer of `groupId`; `joined` calls back with what it owns after each GROUP_JOIN. */
  private member(
    groupId: string,
    fetch: { maxBytesPerPartition?: number; maxWaitTimeInMs?: number },
    joined: (owned: ReadonlySet<string>, assignment: Record<string, number[]>) => void,
  ): Member {
    const { options } = this;
    const consumer = options.kafka.consumer({
      groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      ...(fetch.maxBytesPerPartition ? { maxBytesPerPartition: fetch.maxBytesPerPartition } : {}),
      ...(fetch.maxWaitTimeInMs ? { maxWaitTimeInMs: fetch.maxWaitTimeInMs } : {}),
      heartbeatInterval: 3_000,
      readUncommitted: false,
      allowAutoTopicCreation: false,
    });
    const member: Member = {
      consumer,
      commits: new OffsetCommits(consumer, options.logger),
      joined: false,
      assignment: {},
    };
    const { GROUP_JOIN, CRASH, STOP, REQUEST_TIMEOUT } = consumer.events;
    consumer.on(REQUEST_TIMEOUT, ({ payload }) => {
      this.state.lastFailure = {
        at: Date.now(),
        message: `${payload.apiName} request to ${payload.broker} timed out after ${payload.pendingDuration} ms`,
      };
    });
    consumer.on(GROUP_JOIN, ({ payload }) => {
      member.assignment = payload.memberAssignment;
      this.joinedChanged(member, true);
      const owned = new Set(
        Object.entries(payload.memberAssignment).flatMap(([t, ps]) => ps.map((p) => `${t}:${p}`)),
      );
      member.commits.keepOnly(owned);
      joined(owned, payload.memberAssignment);
      options.logger.info({ groupId, assignment: payload.memberAssignment }, 'consumer.group.join');
    });
    consumer.on(CRASH, ({ payload }) => {
      this.joinedChanged(member, false);
      this.state.lastFailure = { at: Date.now(), message: `consumer crashed: ${payload.error.message}` };
      // kafkajs restarts the consumer after a retriable crash (a broker restarting): a warning. One it does
      // not restart has stopped consuming.
      const fields = { err: payload.error, groupId, restart: payload.restart };
      if (payload.restart) options.logger.warn(fields, 'consumer.crash');
      else options.logger.error(fields, 'consumer.crash');
    });
    consumer.on(STOP, () => this.joinedChanged(member, false));
    return member;
  }

  /** The state shows both consumers as one: joined when both are, owning what either owns. */
  private joinedChanged(member: Member, joined: boolean): void {
    member.joined = joined;
    this.state.joined = this.sources.joined && this.metrics.joined;
    this.state.assignment = { ...this.sources.assignment, ...this.metrics.assignment };
  }

  /** Connects, subscribes and starts consuming; resolves once both consumers run. */
  async start(): Promise<void> {
    const { options } = this;
    await this.run(this.metrics, [options.metricTopic], (payload) => this.eachMetricBatch(payload));
    await this.run(this.sources, options.sourceTopics, (payload) => this.eachSourceBatch(payload));
    this.positions.start();
    this.flushTimer = setInterval(() => {
      if (this.fatal) return;
      if (options.ingest.flushDue()) this.flushIngest();
      else if (this.sources.commits.waiting) void this.sources.commits.commit([]);
      if (this.metrics.commits.waiting) void this.metrics.commits.commit([]);
    }, options.flushCheckMs ?? 500);
  }

  private async run(
    member: Member,
    topics: (string | RegExp)[],
    eachBatch: (payload: EachBatchPayload) => Promise<void>,
  ): Promise<void> {
    await member.consumer.connect();
    await member.consumer.subscribe({ topics, fromBeginning: true });
    await member.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: async (payload) => {
        if (this.fatal) return;
        this.inFlight++;
        try {
          await eachBatch(payload);
        } catch (error) {
          // Nothing of this batch is resolved or committed either way; kafkajs would redeliver it forever.
          if (isRetriable(error)) throw error;
          this.fail(error);
        } finally {
          this.inFlight--;
        }
      },
    });
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
    this.pauseAll();
    try {
      while (this.inFlight > 0 && !this.stop.signal.aborted) await new Promise((r) => setTimeout(r, 50));
      if (this.fatal) return;
      // Twice: the first may join a flush already running, which does not cover rows buffered after it began.
      await this.options.ingest.flush(this.stop.signal);
      await this.options.ingest.flush(this.stop.signal);
      if (this.sources.commits.waiting) await this.sources.commits.commit([]);
      if (this.metrics.commits.waiting) await this.metrics.commits.commit([]);
    } finally {
      this.stop.abort();
      await this.positions.close();
      for (const { consumer } of [this.sources, this.metrics]) {
        await consumer.stop();
        await consumer.disconnect();
      }
    }
  }

  /** Pauses every topic either consumer owns. */
  private pauseAll(): void {
    for (const { consumer, assignment } of [this.sources, this.metrics]) {
      const topics = Object.keys(assignment).map((topic) => ({ topic }));
      if (topics.length > 0) consumer.pause(topics);
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
    this.pauseAll();
    this.state.paused = true;
    this.options.logger.error({ err: error }, 'consumer.stopped.non_retriable_sink_error');
    this.options.onFatal?.(error);
  }

  private async eachMetricBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat } = payload;
    const key = `${batch.topic}:${batch.partition}`;
    this.state.highWatermarks[key] = batch.highWatermark;
    const records = batch.messages.map((m) => toRecord(batch.topic, batch.partition, m));
    if (records.length === 0) return;
    const beating = <T>(work: () => Promise<T>) => this.whileHeartbeating(heartbeat, work);
    // Live: no source backlog, so the batch's latency matters more than the main thread's time.
    const last = await this.positions.applyBatch(
      payload,
      records,
      beating,
      this.stop.signal,
      this.backlog.live,
    );
    if (last !== undefined) this.state.processedOffsets[key] = last;
  }

  private async eachSourceBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const beating = <T>(work: () => Promise<T>) => this.whileHeartbeating(heartbeat, work);
    const key = `${batch.topic}:${batch.partition}`;
    this.state.highWatermarks[key] = batch.highWatermark;
    this.backlog.batch(key, BigInt(batch.offsetLag()) > 0n);
    const records = batch.messages.map((m) => toRecord(batch.topic, batch.partition, m));
    if (records.length === 0) return;

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

  /** Pauses the source topics only: the metric topic has its own consumer and goes on. */
  private async pausedUntilFlushed(): Promise<void> {
    const topics = Object.keys(this.sources.assignment);
    const { consumer } = this.sources;
    this.state.paused = true;
    consumer.pause(topics.map((topic) => ({ topic })));
    this.options.logger.warn({ rows: this.options.ingest.bufferedRows }, 'consumer.paused.buffer_full');
    try {
      // With nothing buffered, the room is held by other partitions' chunks in progress: let them finish.
      if (this.options.ingest.bufferedRows === 0) await new Promise((r) => setTimeout(r, 10));
      else await this.options.ingest.flush(this.stop.signal);
    } finally {
      if (!this.closing && !this.fatal) consumer.resume(topics.map((topic) => ({ topic })));
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
  readonly commit = (offsets: CommitOffsets): Promise<void> => this.sources.commits.commit(offsets);
}
