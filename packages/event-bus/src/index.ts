/**
 * @engagement/event-bus: the contract every listener package builds on. Change events and their decoders,
 * listeners, plugins, typed tokens, metric events and the error catalog. Implementations live behind
 * subpath exports: `./kafka`, `./runtime`, `./sinks/clickhouse`, `./sinks/redis`, `./sinks/search`, `./testing`.
 */
export * from './errors.js';
export * from './events/index.js';
export {
  defineListener,
  type ListenerContext,
  type ListenerDefinition,
  type MetricEmitter,
} from './listeners/define-listener.js';
export {
  definePlugin,
  isPlugin,
  LISTENER_CONTRACT_VERSION,
  type PluginDefinition,
  provide,
  type ServiceDefinition,
} from './listeners/define-plugin.js';
export { type Logger, silentLogger } from './listeners/logger.js';
export type { MetricTruth, TruthSource } from './listeners/metric-truth.js';
export { createToken, type DepsMap, type ResolvedDeps, type Token } from './listeners/token.js';
export {
  type EntityMetricEvent,
  MAX_EVENTS_PER_CHANGE,
  type MetricInput,
} from './metrics/entity-metric-event.js';
export {
  type DecodedMetricMessage,
  decodeMetricMessage,
  decodeMetricMessages,
  encodeMetricMessage,
  encodeMetricMessages,
  type MetricMessage,
  type MetricMessageLimits,
} from './metrics/metric-message.js';
export {
  distinctTouches,
  type MetricTouch,
  parseTouchMember,
  type TouchSink,
  touchMember,
} from './metrics/metric-touch.js';
