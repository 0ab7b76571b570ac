// What EventConsumer (event-consumer.ts) is built from, and the state it reports.
import type { Logger } from '@engagement/plugin-api';
import type { Kafka } from 'kafkajs';
import type { ApplyStage } from '../runtime/apply-stage.js';
import type { IngestStage } from '../runtime/ingest-stage.js';
import type { CacheRollback } from './metric-topic-positions.js';

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
  /**
   * Bytes fetched per partition and request (kafkajs `maxBytesPerPartition`, default 1 MiB). One request covers
   * every assigned partition, and the next is sent only when all its batches are processed, so a smaller value
   * bounds how long a metric batch waits behind a source backlog. Keep it above the metric topic's largest
   * record batch (a publish request, up to 512 KiB): the broker returns an oversized batch only for the first
   * partition of a response, and the metric topic comes after the source topics, so it would wait for them.
   */
  maxBytesPerPartition?: number;
  /** Records handed to the ingest stage at once (one worker-pool task). */
  chunkSize?: number;
  /** How often the flush timer checks whether the ingest buffer is due. */
  flushCheckMs?: number;
  /** How often idle metric partitions are compared with the positions Redis holds (default 5 s). */
  positionCheckMs?: number;
  /** Redis was found to have lost writes; the partition is read again from the position it holds. */
  onCacheRollback?(rollback: CacheRollback): void;
  /**
   * Called once when a sink refused work with an error retrying cannot fix (see `isRetriable`). The
   * consumer has paused every topic and commits nothing more; the owner should close it and exit.
   */
  onFatal?(error: unknown): void;
}

/** What the consumer is doing, for readiness and the status page. */
export interface ConsumerState {
  joined: boolean;
  paused: boolean;
  assignment: Record<string, number[]>;
  /** Highest offset seen per `topic:partition` in the last fetched batch (for lag). */
  highWatermarks: Record<string, string>;
  processedOffsets: Record<string, string>;
  /**
   * The last failed request to the brokers the consumer noticed (a request timeout, a crash), so readiness
   * can turn false while kafkajs is still retrying instead of only once it gives up.
   */
  lastFailure?: { at: number; message: string };
}
