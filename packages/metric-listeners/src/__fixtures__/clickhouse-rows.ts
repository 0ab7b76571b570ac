// ClickHouse source rows as the host receives them: JSONEachRow messages on the source topics, decoded by
// the real event-bus decoder with the app's ClickHouse routes.
import {
  type ClickHouseSourceTable,
  clickhouseSourceRoutes,
  clickhouseSourceTopic,
} from '@engagement/app-db/clickhouse';
import { createDecoder, type KafkaRecord } from '@engagement/event-bus';
import { FAKE_TOPIC_PREFIX, type FakeChange } from '@engagement/event-bus/testing';

/** A decoder for both the fake Debezium topics and the ClickHouse source topics (for `startTestHost`). */
export const appDecoder = createDecoder({
  debezium: { topicPrefix: FAKE_TOPIC_PREFIX },
  clickhouse: clickhouseSourceRoutes(),
});

let offset = 0;

/** A ClickHouse row change: times as ClickHouse renders DateTime64(3, 'UTC'). */
export function clickhouseRow(table: ClickHouseSourceTable, row: Record<string, unknown>): FakeChange {
  const record: KafkaRecord = {
    topic: clickhouseSourceTopic(table),
    partition: 0,
    offset: String(offset++),
    key: null,
    value: Buffer.from(JSON.stringify(row)),
  };
  const decoded = appDecoder(record);
  if (decoded.kind !== 'event') throw new Error(`ClickHouse row decoded to a skip: ${decoded.reason}`);
  return { record, event: decoded.event };
}

/** `YYYY-MM-DD hh:mm:ss.fff` in UTC, as ClickHouse writes DateTime64(3). */
export function clickhouseTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
