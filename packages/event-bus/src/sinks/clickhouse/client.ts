import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  type ClickHouseClient,
  ClickHouseLogLevel,
  type ClickHouseSettings,
  createClient,
  parseError,
} from '@clickhouse/client';
import { settingsPerCall } from './chdb-settings.js';

/** Where ClickHouse is: a server URL, or a directory for the embedded engine (chDB). */
export type ClickHouseLocation =
  | {
      url: string;
      username?: string;
      password?: string;
      database?: string;
      /** Longest a request may take (ms); the client's own default is 30 s. */
      requestTimeoutMs?: number;
      /**
       * No log lines of the client's own (it warns with a stack on every failed request): for a command that
       * reports each failure itself, in one line.
       */
      quiet?: boolean;
    }
  | { path: string };

/**
 * A method that `openClickHouse` adds to a client opened on chDB: its insert of JSONEachRow bytes, handed to
 * the engine as they are. A wrapper of the client (a Proxy) passes it on, or intercepts it to watch inserts.
 */
export const INSERT_JSON_LINES = Symbol.for('event-bus.clickhouse.insertJsonLines');
type RawInsert = (table: string, body: Buffer) => Promise<void>;

/**
 * The embedded engine's bulk work (the sink's inserts with the materialized view they feed, and rolls) runs
 * on threads at the lowest CPU priority (Linux nice 19). The engine shares this process's cores, and an
 * insert's parsing otherwise delays the event loop that applies increments: at half the maximum rate, the p99
 * from source append to Redis fell from a median of 179 ms to 122 ms over ten runs each
 * (docs/performance-history.md, "Sixth session"). ClickHouse applies it only with CAP_SYS_NICE. Reads keep
 * the normal priority, and a server is left as its operator set it up.
 */
const EMBEDDED_BULK_SETTINGS = {
  os_threads_nice_value_query: 19,
  os_threads_nice_value_materialized_view: 19,
} as const;

/**
 * The embedded engine's background merges at the same low priority. This is a server setting, read once when
 * the engine starts: the engine's first session on a directory passes it, and the sessions opened after it
 * share that engine. A merge of all the parts so far otherwise stalls the event loop for up to a few hundred ms
 * (docs/performance-history.md, "Session of 2026-12-04": p99 280–370 → 98–136 ms over runs containing one).
 */
const EMBEDDED_ENGINE_ARGS = ['--os_threads_nice_value_merge_mutate=19'];

/**
 * Opens a ClickHouse client. The same `@clickhouse/client` API serves both: with `path`, queries run in
 * this process through chDB (one engine per process, one query at a time, each with its own settings:
 * `settingsPerCall`); with `url`, over HTTP.
 */
export async function openClickHouse(location: ClickHouseLocation): Promise<ClickHouseClient> {
  if ('url' in location) {
    const timeoutMs = location.requestTimeoutMs;
    return createClient({
      url: location.url,
      username: location.username,
      password: location.password,
      database: location.database,
      ...(timeoutMs ? { request_timeout: timeoutMs } : {}),
      ...(location.quiet ? { log: { level: ClickHouseLogLevel.OFF } } : {}),
      clickhouse_settings: {
        date_time_input_format: 'best_effort',
        // A request longer than 30 s (a roll, a migrated table's first roll) gets a progress header now and
        // then, so that a proxy or load balancer does not take the silent connection for idle and close it.
        // At most ~50 of them per request: Node refuses a response whose headers pass 16 KB.
        ...(timeoutMs && timeoutMs > 30_000
          ? {
              send_progress_in_http_headers: 1,
              http_headers_progress_interval_ms: String(Math.max(30_000, Math.ceil(timeoutMs / 50))),
            }
          : {}),
      },
    });
  }
  // chDB is optional: only the embedded mode needs it, so it is loaded on demand.
  const [{ Session }, { createChdbConnection }] = await Promise.all([
    import('chdb'),
    import('chdb/connection'),
  ]);
  const starter = new Session(location.path, { connectionArgs: EMBEDDED_ENGINE_ARGS });
  let chdb: ReturnType<typeof createChdbConnection>;
  try {
    chdb = createChdbConnection({ path: location.path });
  } finally {
    starter.close(); // the engine stays while the connection is open
  }
  const connection = settingsPerCall(chdb);
  const client = createClient({
    connection,
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  } as Parameters<typeof createClient>[0]);
  const raw: RawInsert = async (table, body) => {
    try {
      await connection.chdb.rawInsert({
        table,
        values: body,
        format: 'JSONEachRow',
        settings: { date_time_input_format: 'best_effort', ...EMBEDDED_BULK_SETTINGS },
      });
    } catch (error) {
      // chDB's own insert error: read its ClickHouse type (e.g. CANNOT_PARSE_…) from the message, as the
      // client does for a server's answer, so that retries are decided the same way in both modes.
      throw parseError(error instanceof Error ? error.message : String(error));
    }
  };
  return Object.assign(client, { [INSERT_JSON_LINES]: raw });
}

/** Settings for a bulk query (an `INSERT … SELECT`) on `client`: low CPU priority when it is embedded. */
export function bulkWorkSettings(client: ClickHouseClient): ClickHouseSettings {
  return INSERT_JSON_LINES in client ? EMBEDDED_BULK_SETTINGS : {};
}

/**
 * Inserts rows already serialised as JSONEachRow (one JSON object per line) into `table`. Nothing is parsed
 * or serialised again in this process: chDB gets the bytes as they are (its parser runs on its own threads),
 * a server gets them as the request body. The client's insert of row objects instead builds the body on the
 * event loop, and chDB's connection then copies it into one string there (bench/insert-block.ts).
 */
export async function insertJsonLines(client: ClickHouseClient, table: string, body: Buffer): Promise<void> {
  const raw = (client as { [INSERT_JSON_LINES]?: RawInsert })[INSERT_JSON_LINES];
  if (raw) return raw(table, body);
  // Not `insert`: for a JSON format it serialises each chunk of a stream as a value of its own.
  const { stream } = await client.exec({
    query: `INSERT INTO ${table} FORMAT JSONEachRow`,
    values: Readable.from([body]),
  });
  // The answer is an empty body: read to its end, so the socket goes back to the pool with its response
  // finished. Destroyed unread, the client warned at every later close of that socket ("socket was closed
  // or ended before the response was fully read", with a possible ECONNRESET).
  stream.resume();
  await finished(stream);
}
