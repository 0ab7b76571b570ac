/**
 * @engagement/plugin-api: the contract plugins are written against, with no runtime dependencies. Listeners
 * and plugins, typed tokens, change events and `readRow`, metric events, the logger interface, the one error
 * base class, and the tokens the host provides. The machinery that runs plugins is in @engagement/event-bus.
 */
export {
  type ChangeEvent,
  type ChangeOp,
  type ChangeSource,
  currentRow,
  type KafkaPosition,
} from './change-event.js';
export { parseClickHouseDateTime } from './clickhouse-time.js';
export { CodedError, causeCodeOf, isRetriable } from './coded-error.js';
export {
  defineListener,
  type ListenerContext,
  type ListenerDefinition,
  type MetricEmitter,
} from './define-listener.js';
export {
  type ContractRange,
  definePlugin,
  isPlugin,
  LISTENER_CONTRACT_VERSION,
  type PluginDefinition,
  provide,
  type ServiceDefinition,
} from './define-plugin.js';
export { type EntityMetricEvent, MAX_EVENTS_PER_CHANGE, type MetricInput } from './entity-metric-event.js';
export { epochToDate } from './epoch.js';
export { appDbToken, type HostProvision } from './host-tokens.js';
export { type Logger, silentLogger } from './logger.js';
export type { MetricTruth, TruthSource } from './metric-truth.js';
export { isPluginSettingsToken, type PluginSettingsToken, pluginSettings } from './plugin-settings.js';
export { onStart, type PluginStart, type PluginStop } from './plugin-start.js';
export { MICROS_THRESHOLD, NANOS_THRESHOLD, type RowReader, RowValueError, readRow } from './row-reader.js';
export type {
  InferSchemaOutput,
  StandardIssue,
  StandardResult,
  StandardSchemaProps,
  StandardSchemaV1,
} from './standard-schema.js';
export { createToken, type DepsMap, type ResolvedDeps, type Token } from './token.js';
