/**
 * The Kafka-independent runtime: the ports, the one pipeline assembly over them, plugin validation and
 * container, dispatcher, the two stages.
 */
export { ApplyStage, type ApplyStageOptions } from './apply-stage.js';
export {
  type AssembledPipeline,
  type AssemblyOptions,
  assemblePipeline,
  type PipelinePlugins,
  type PipelinePorts,
} from './assemble-pipeline.js';
export { backoffDelay, sleep } from './backoff.js';
export { chooseProcessor, type ProcessorChoice } from './choose-processor.js';
export {
  Dispatcher,
  type DispatcherOptions,
  type DispatchResult,
  type ListenerFailure,
} from './dispatcher.js';
export {
  type CommitOffsets,
  IngestStage,
  type IngestStageOptions,
  REDRIVE_LISTENER_HEADER,
  REDRIVEN_FROM_HEADER,
  type Reservation,
} from './ingest-stage.js';
export {
  createInstrumentation,
  type Instrumentation,
  type InstrumentationEvent,
  type InstrumentationSource,
  type InstrumentationSubscriber,
  type PipelineSink,
  type RollupOutcome,
} from './instrumentation.js';
export {
  decodePositions,
  encodePositions,
  MAX_IDS_IN_METADATA,
  NO_POSITIONS,
  nextPositions,
  type PartitionPositions,
} from './ordered-positions.js';
export { type PipelineReports, pipelineReports } from './pipeline-reports.js';
export { PluginContainer } from './plugin-container.js';
export { type PluginHook, pluginHooks, startPluginHooks, stopPluginHooks } from './plugin-hooks.js';
export { loadPluginModules, loadProvisionsModule } from './plugin-modules.js';
export type {
  ApplyResult,
  CachePosition,
  DeadLetterReason,
  DeadLetterSink,
  MetricCache,
  MetricStore,
  MetricTopicMessage,
  MetricTopicWriter,
  OffsetCommitter,
  PipelineStages,
  RecordSource,
  SearchUpdateQueue,
  TouchSink,
} from './ports.js';
export { NOT_STORED_HEADER, publishMetricEvents } from './publish-metric-events.js';
export {
  type Admission,
  type BatchOutcome,
  type ListenerRunTotals,
  LocalProcessor,
  type LocalProcessorOptions,
  type RecordOutcome,
  type RecordProcessor,
} from './record-processor.js';
export {
  type ChangeRef,
  ChunkAdmission,
  type CommittedOffset,
  type FirstSeenStore,
  ResendFilter,
  type ResendFilterOptions,
} from './resend-filter.js';
export { isRetriable, RetryPolicy, type RetryPolicyOptions } from './retry-policy.js';
export { SinkGuard } from './sink-guard.js';
export type { PipelineObserver, PipelineStats, SinkAttemptOutcome } from './stats.js';
export { type RegisteredListener, SUPPORTED_CONTRACT_VERSIONS, validatePlugins } from './validate-plugins.js';
export { type PoolWorkerData, type WorkerPoolOptions, WorkerPoolProcessor } from './worker-pool.js';
