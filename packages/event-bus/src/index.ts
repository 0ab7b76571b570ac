/**
 * @engagement/event-bus: the machinery that runs plugins. Its main entry holds the wire formats (change-event
 * decoders, metric messages and touches) and the event-bus error catalog; the contract plugins are written
 * against is @engagement/plugin-api. Implementations live behind subpath exports: `./kafka`, `./runtime`,
 * `./reader`, `./truth`, `./sinks/clickhouse`, `./sinks/redis`, `./sinks/search`, `./testing`.
 */
export * from './errors.js';
export * from './events/index.js';
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
