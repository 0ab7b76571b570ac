import type { Logger } from '@engagement/plugin-api';
import type { Admin } from 'kafkajs';
import { ResendFilter } from '../runtime/resend-filter.js';
import { SinkGuard } from '../runtime/sink-guard.js';
import { RedisFirstSeenStore } from '../sinks/redis/first-seen-store.js';
import type { RedisClient } from '../sinks/redis/redis-client.js';
import { retriableWhenRetriesRanOut } from './kafka-retries.js';

export interface PipelineResendsOptions {
  /** A connected admin client: it reads the group's committed offsets and their metadata. */
  admin: Admin;
  groupId: string;
  redis: RedisClient;
  /** Namespaces the first-seen keys, as `cacheScope` does the watermarks. */
  scope?: string;
  firstSeenTtlMs?: number;
  logger: Logger;
  /** Aborts the retries (shutdown); the batch then fails uncommitted and is read again. */
  signal: AbortSignal;
  /** Reports each Redis attempt, as the other sinks do (status page). */
  attempt<T>(rows: number, write: () => Promise<T>): Promise<T>;
}

/**
 * The pipeline's re-send filter: positions read from the committed offsets' metadata, ClickHouse rows'
 * first positions in Redis. Both reads retry with backoff while Kafka or Redis is away (the consumer keeps
 * heartbeating meanwhile) instead of failing the batch into kafkajs' restart loop, Kafka's even once the
 * admin client's own retries ran out; a non-retriable Redis or Kafka error stops consumption like any
 * sink's.
 */
export function pipelineResendFilter(options: PipelineResendsOptions): ResendFilter {
  const { logger, signal } = options;
  const guard = new SinkGuard({
    onSinkState: (healthy, err) =>
      logger[healthy ? 'info' : 'warn']({ err }, `ingest.resends.${healthy ? 'recovered' : 'failing'}`),
  });
  const store = new RedisFirstSeenStore(options.redis, {
    prefix: `eventbus:resends${options.scope ? `:${options.scope}` : ''}`,
    ttlMs: options.firstSeenTtlMs,
  });
  return new ResendFilter({
    committed: (topic) =>
      guard.run(
        async () => {
          const [fetched] = await options.admin
            .fetchOffsets({ groupId: options.groupId, topics: [topic] })
            .catch(retriableWhenRetriesRanOut);
          return (fetched?.partitions ?? []).map((p) => ({ ...p, metadata: p.metadata ?? null }));
        },
        signal,
        'kafka',
      ),
    firstSeen: {
      claim: (topic, changes) =>
        guard.run(() => options.attempt(changes.length, () => store.claim(topic, changes)), signal, 'redis'),
    },
  });
}
