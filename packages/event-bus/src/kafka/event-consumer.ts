import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { KafkaRecord } from '../events/kafka-record.js';
import type { Logger } from '../listeners/logger.js';
import type { ApplyStage } from '../runtime/apply-stage.js';
import type { CommitOffsets, IngestStage } from '../runtime/ingest-stage.js';

export interface EventConsumerOptions {
  kafka: Kafka;
  groupId: string;
  /** Source topics (Debezium, ClickHouse exports): names or patterns. */
  sourceTopics: (string | RegExp)[];
  /** The entity metric event topic that drives caches and the search queue. */
  metricTopic: string;
  ingest: IngestStage;
  apply: ApplyStage;
  logger: Logger;
  /** Partitions processed at once; each partition stays in order. */
  partitionsConsumedConcurrently?: number;
  sessionTimeoutMs?: number;
  /** How often the flush timer checks whether the ingest buffer is due. */
  flushCheckMs?: number;
}

/** What the consumer is doing, for readiness and the status page. */
export interface ConsumerState {
  joined: boolean;
  paused: boolean;
  assignment: Record<string, number[]>;
  /** Highest offset seen per `topic:partition` in the last fetched batch (for lag). */
  highWatermarks: Record<string, string>;
  processedOffsets: Record<string, string>;
}

/**
 * Runs the two stages on one kafkajs consumer (one consumer group for the whole host fleet).
 * Auto-commit is off: source offsets are committed by the ingest stage after its flush; metric-topic
 * offsets after the batch was applied to the caches.
 */
export class EventConsumer {
  private readonly consumer: Consumer;
  private readonly stop = new AbortController();
  private flushTimer: NodeJS.Timeout | undefined;
  /** Offsets whose commit was refused or failed; retried by the timer until they go through. */
  private readonly pendingCommits = new Map<string, { topic: string; partition: number; offset: string }>();
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
      heartbeatInterval: 3_000,
      readUncommitted: false,
      allowAutoTopicCreation: false,
    });
    const { GROUP_JOIN, CRASH, STOP } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      this.state.joined = true;
      this.state.assignment = payload.memberAssignment;
      const owned = new Set(
        Object.entries(payload.memberAssignment).flatMap(([t, ps]) => ps.map((p) => `${t}:${p}`)),
      );
      options.ingest.forgetPartitions((t, p) => owned.has(`${t}:${p}`));
      for (const key of this.pendingCommits.keys()) if (!owned.has(key)) this.pendingCommits.delete(key);
      options.logger.info({ assignment: payload.memberAssignment }, 'consumer.group.join');
    });
    this.consumer.on(CRASH, ({ payload }) => {
      this.state.joined = false;
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
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.flushTimer = setInterval(() => {
      if (options.ingest.flushDue()) this.flushIngest();
      else if (this.pendingCommits.size > 0) void this.commit([]);
    }, options.flushCheckMs ?? 500);
  }

  /** Stops fetching, flushes and commits what was processed, and leaves the group. */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.consumer.stop();
    try {
      await this.options.ingest.flush(this.stop.signal);
    } finally {
      this.stop.abort();
      await this.consumer.disconnect();
    }
  }

  /** Aborts retries in progress (second signal): nothing more is flushed or committed. */
  abort(): void {
    this.stop.abort();
  }

  private flushIngest(): void {
    this.options.ingest
      .flush(this.stop.signal)
      .catch((err) => this.options.logger.error({ err }, 'sink.flush.failed'));
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const key = `${batch.topic}:${batch.partition}`;
    this.state.highWatermarks[key] = batch.highWatermark;
    const records = batch.messages.map((m) => toRecord(batch.topic, batch.partition, m));
    if (records.length === 0) return;

    if (batch.topic === this.options.metricTopic) {
      await this.whileHeartbeating(heartbeat, () => this.options.apply.applyBatch(records, this.stop.signal));
      const last = records[records.length - 1]!;
      resolveOffset(last.offset);
      await this.commit([
        { topic: last.topic, partition: last.partition, offset: (BigInt(last.offset) + 1n).toString() },
      ]);
      this.state.processedOffsets[key] = last.offset;
      return;
    }

    let lastBeat = Date.now();
    for (const record of records) {
      if (!isRunning() || isStale()) break;
      while (this.options.ingest.isFull) {
        // Bounded buffer: wait for the flush (which retries while ClickHouse is down) instead of growing.
        await this.whileHeartbeating(heartbeat, () => this.pausedUntilFlushed());
      }
      await this.options.ingest.process(record);
      if (this.options.ingest.flushDue()) this.flushIngest();
      resolveOffset(record.offset);
      this.state.processedOffsets[key] = record.offset;
      if (Date.now() - lastBeat > 1_000) {
        await heartbeat().catch(() => undefined);
        lastBeat = Date.now();
      }
    }
  }

  private async pausedUntilFlushed(): Promise<void> {
    const topics = Object.keys(this.state.assignment).filter((t) => t !== this.options.metricTopic);
    this.state.paused = true;
    this.consumer.pause(topics.map((topic) => ({ topic })));
    this.options.logger.warn({ rows: this.options.ingest.bufferedRows }, 'consumer.paused.buffer_full');
    try {
      await this.options.ingest.flush(this.stop.signal);
    } finally {
      this.consumer.resume(topics.map((topic) => ({ topic })));
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

  private async commit(offsets: CommitOffsets): Promise<void> {
    for (const o of offsets) {
      const key = `${o.topic}:${o.partition}`;
      const pending = this.pendingCommits.get(key);
      if (!pending || BigInt(pending.offset) < BigInt(o.offset)) this.pendingCommits.set(key, o);
    }
    const batch = [...this.pendingCommits.values()];
    if (batch.length === 0) return;
    try {
      await this.consumer.commitOffsets(batch);
      for (const o of batch) {
        const key = `${o.topic}:${o.partition}`;
        if (this.pendingCommits.get(key) === o) this.pendingCommits.delete(key);
      }
    } catch (err) {
      // Refused (a rebalance) or failed: what the offsets cover is stored, so committing later is safe.
      // They stay pending and the timer retries them; offsets of partitions we lose are dropped on join.
      this.options.logger.warn({ err, offsets: batch }, 'consumer.commit.refused');
    }
  }

  /** Commit function for the ingest stage. */
  readonly commitSource = (offsets: CommitOffsets): Promise<void> => this.commit(offsets);
}

function toRecord(topic: string, partition: number, m: KafkaMessage): KafkaRecord {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key,
    value: m.value,
    headers: m.headers,
  };
}
