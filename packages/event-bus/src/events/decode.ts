import { decodeClickHouseRow } from './clickhouse-rows.js';
import { decodeDebezium } from './debezium.js';
import type { DecodeResult, KafkaRecord } from './kafka-record.js';
import { skip } from './kafka-record.js';
import { createTopicRouter, type RoutingOptions } from './routing.js';

/** Options for `createDecoder`: how topics route to tables (see `RoutingOptions`). */
export type DecoderOptions = RoutingOptions;

/** Turns one consumed message into an event or a skip; throws `DecodeError` on bad input. */
export type Decoder = (record: KafkaRecord) => DecodeResult;

/**
 * Builds the decoder for every topic the host consumes, dispatching by route: Debezium table topics,
 * ClickHouse row topics, and heartbeat/transaction/ignored topics, which are skipped unread.
 */
export function createDecoder(options: DecoderOptions): Decoder {
  const route = createTopicRouter(options);
  return (record) => {
    const target = route(record.topic);
    switch (target?.kind) {
      case 'debezium':
        return decodeDebezium(record, target);
      case 'clickhouse':
        return decodeClickHouseRow(record, target);
      case 'heartbeat':
        return skip('heartbeat');
      case 'transaction':
        return skip('transaction');
      case 'ignore':
        return skip('non-row-topic');
      case undefined:
        return skip('unknown-topic');
    }
  };
}
