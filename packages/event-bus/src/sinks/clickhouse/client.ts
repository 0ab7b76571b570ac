import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { stringifyRow } from './encoded-row.js';

/** Where ClickHouse is: a server URL, or a directory for the embedded engine (chDB). */
export type ClickHouseLocation =
  | { url: string; username?: string; password?: string; database?: string }
  | { path: string };

/**
 * Opens a ClickHouse client. The same `@clickhouse/client` API serves both: with `path`, queries run in
 * this process through chDB (one engine per process, on the calling thread); with `url`, over HTTP.
 * Rows given as `EncodedRow` are sent as their text (see encoded-row.ts).
 */
export async function openClickHouse(location: ClickHouseLocation): Promise<ClickHouseClient> {
  if ('url' in location) {
    return createClient({
      url: location.url,
      username: location.username,
      password: location.password,
      database: location.database,
      clickhouse_settings: { date_time_input_format: 'best_effort' },
      json: { parse: JSON.parse, stringify: stringifyRow },
    });
  }
  // chDB is optional: only the embedded mode needs it, so it is loaded on demand.
  const { createChdbConnection } = await import('chdb/connection');
  return createClient({
    connection: createChdbConnection({ path: location.path }),
    clickhouse_settings: { date_time_input_format: 'best_effort' },
    json: { parse: JSON.parse, stringify: stringifyRow },
  } as Parameters<typeof createClient>[0]);
}
