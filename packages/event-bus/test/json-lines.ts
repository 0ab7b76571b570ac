// Test wrappers of a ClickHouse client that watch the metric event store's inserts (JSONEachRow bytes).
import { INSERT_JSON_LINES } from '../src/sinks/clickhouse/client.js';

export type InsertJsonLines = (table: string, body: Buffer) => Promise<void>;

/** The client's insert of JSONEachRow bytes (set on clients `openClickHouse` opened on chDB). */
export function insertJsonLinesOf(client: object): InsertJsonLines {
  const insert = Reflect.get(client, INSERT_JSON_LINES) as InsertJsonLines | undefined;
  if (!insert) throw new Error('not an embedded client from openClickHouse: it has no JSONEachRow insert');
  return insert;
}

/** Rows in a JSONEachRow body: one per line (a line never holds a raw newline). */
export function rowsOf(body: Buffer): number {
  let rows = body.length > 0 ? 1 : 0;
  for (let i = body.indexOf(10); i !== -1; i = body.indexOf(10, i + 1)) rows++;
  return rows;
}

export { INSERT_JSON_LINES };
