/** The Kafka-driven runtime: the pipeline builder, the consumer and the dead-letter sink. */

// The stats moved to the runtime with the assembly that keeps them; re-exported for existing callers.
export {
  emptyStats,
  type PipelineObserver,
  type PipelineSink,
  type PipelineStats,
  type SinkAttemptOutcome,
} from '../runtime/stats.js';
export { createEventPipeline } from './create-pipeline.js';
export {
  type DeadLetterReason,
  type DeadLetterSink,
  DLQ_HEADERS,
  KafkaDeadLetterSink,
} from './dead-letters.js';
export { type ConsumerState, EventConsumer, type EventConsumerOptions } from './event-consumer.js';
export { kafkaMetricTopic } from './kafka-metric-topic.js';
export { fetchHostGroupOffsets, metricGroupOf } from './metric-group.js';
export type { EventPipeline, EventPipelineOptions } from './pipeline-options.js';
export { headerString } from './records.js';
export { ensureTopics, fetchTopicOffsets, type TopicPartitionOffsets } from './topics.js';
