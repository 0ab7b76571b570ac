// The whole path set up for reaction traffic (reaction-traffic.ts): the stack, the run's users, images and
// listener, and the real pipeline on the Debezium ImageReaction topic feeding ClickHouse and Redis.

import type { PluginDefinition } from '@engagement/plugin-api';
import { createDecoder } from '../src/events/decode.js';
import {
  createEventPipeline,
  type EventPipeline,
  type EventPipelineOptions,
} from '../src/kafka/create-pipeline.js';
import type { RedisClient } from '../src/sinks/redis/redis-client.js';
import { connectRedis, connectStack, type RedisKind, type StackConnections } from './integration-env.js';
import { type ReactionTraffic, reactionTraffic } from './reaction-traffic.js';

/**
 * Starts the real pipeline on the Debezium ImageReaction topic with the traffic's listener, on the stack's
 * ClickHouse and Redis. Group and topics are named after `name` (unique per run); `options` carries the cache
 * scope and overrides the rest (flush settings, another Redis, a fixed group, a logger).
 */
export async function startReactionPipeline(
  stack: StackConnections,
  traffic: ReactionTraffic,
  name: string,
  options: Partial<EventPipelineOptions> & { cacheScope: string },
): Promise<EventPipeline> {
  const pipeline = await createEventPipeline({
    brokers: stack.env.KAFKA_BROKERS!.split(','),
    groupId: stack.unique(name),
    plugins: [traffic.plugin],
    decode: createDecoder({ debezium: { topicPrefix: stack.env.DEBEZIUM_TOPIC_PREFIX! } }),
    sourceTopics: ['app.public.ImageReaction'],
    createTopics: ['app.public.ImageReaction'],
    metricTopic: stack.unique(`${name}.metrics`),
    deadLetterTopic: stack.unique(`${name}.dlq`),
    clickhouse: stack.clickhouse,
    redis: stack.redis,
    ...options,
  });
  await pipeline.start();
  return pipeline;
}

/**
 * Starts the real pipeline on `topic`, a topic of synthetic ImageReaction changes (synthetic-reactions.ts)
 * decoded as Debezium's, with `plugin`, on the stack's ClickHouse and Redis. The metric and dead-letter topics
 * are `<topic>.metrics` and `<topic>.dlq`; `options` carries the group and overrides the rest.
 */
export async function startSyntheticPipeline(
  stack: StackConnections,
  topic: string,
  plugin: PluginDefinition,
  options: Partial<EventPipelineOptions> & { groupId: string },
): Promise<EventPipeline> {
  const pipeline = await createEventPipeline({
    brokers: stack.env.KAFKA_BROKERS!.split(','),
    plugins: [plugin],
    decode: createDecoder({
      debezium: { topicPrefix: 'app' },
      overrides: { [topic]: { kind: 'debezium', schema: 'public', table: 'ImageReaction' } },
    }),
    sourceTopics: [topic],
    metricTopic: `${topic}.metrics`,
    deadLetterTopic: `${topic}.dlq`,
    clickhouse: stack.clickhouse,
    redis: stack.redis,
    cacheScope: topic,
    ...options,
  });
  await pipeline.start();
  return pipeline;
}

export interface ReactionStack {
  stack: StackConnections;
  /** The pipeline's Redis: the stack's single Redis, or a client of its Cluster (close it with the stack). */
  redis: RedisClient;
  traffic: ReactionTraffic;
  pipeline: EventPipeline;
  /** The pipeline's cache scope (its watermarks live under it). */
  scope: string;
}

/**
 * Connects to the stack, creates the traffic's users and images (reactionTraffic) and starts the pipeline
 * on them, all named after `name`, on the stack's single Redis or its Cluster (`redisKind`);
 * `pipelineOptions` overrides the pipeline's settings.
 */
export async function openReactionStack(
  name: string,
  trafficOptions: Parameters<typeof reactionTraffic>[2],
  pipelineOptions: Partial<EventPipelineOptions> = {},
  redisKind: RedisKind = 'single',
): Promise<ReactionStack> {
  const stack = await connectStack();
  const redis = redisKind === 'single' ? stack.redis : connectRedis(stack.env, redisKind);
  const scope = stack.unique(name);
  const traffic = await reactionTraffic(stack, name, trafficOptions);
  const pipeline = await startReactionPipeline(stack, traffic, name, {
    cacheScope: scope,
    redis,
    ...pipelineOptions,
  });
  return { stack, redis, traffic, pipeline, scope };
}
