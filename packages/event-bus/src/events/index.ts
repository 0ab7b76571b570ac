export { DEFAULT_CLICKHOUSE_ID_COLUMN, decodeClickHouseRow } from './clickhouse-rows.js';
export { decodeConnectDecimal } from './connect-decimal.js';
export { decodeDebezium } from './debezium.js';
export { createDecoder, type Decoder, type DecoderOptions } from './decode.js';
export { parseJson } from './json-text.js';
export type { DecodeResult, KafkaRecord, SkipReason } from './kafka-record.js';
export { type ConnectSchema, convertRow, convertValue } from './postgres-types.js';
export {
  type ClickHouseTopicRoute,
  createTopicRouter,
  type DebeziumTableRoute,
  type RoutingOptions,
  type TopicRoute,
  type TopicRouter,
} from './routing.js';
export { debeziumSourcePosition } from './source-position.js';
