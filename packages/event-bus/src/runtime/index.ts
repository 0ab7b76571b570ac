/** The Kafka-independent runtime: plugin validation and container, dispatcher, the two stages. */
export { ApplyStage, type ApplyStageOptions } from './apply-stage.js';
export { backoffDelay, sleep } from './backoff.js';
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
} from './instrumentation.js';
export {
  decodePositions,
  encodePositions,
  MAX_IDS_IN_METADATA,
  NO_POSITIONS,
  nextPositions,
  type PartitionPositions,
} from './ordered-positions.js';
export { type HostProvision, PluginContainer } from './plugin-container.js';
export { loadPluginModules, loadProvisionsModule } from './plugin-modules.js';
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
export { type RegisteredListener, validatePlugins } from './validate-plugins.js';
export { type PoolWorkerData, type WorkerPoolOptions, WorkerPoolProcessor } from './worker-pool.js';
