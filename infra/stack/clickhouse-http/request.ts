/** What one ClickHouse HTTP request asks for, parsed from its URL and headers (no I/O). */
export interface ClickHouseHttpRequest {
  /** The `query` URL parameter; the body, when there is one, continues it (an INSERT's rows). */
  queryPrefix: string;
  database: string;
  queryId?: string;
  /** `param_<name>` values exactly as sent: text in the escaped form the server parses per declared type. */
  params: Record<string, string>;
  /** ClickHouse settings to apply to this query only. */
  settings: Record<string, string>;
  /** Output format when the SQL has no FORMAT clause (`default_format`, else TabSeparated). */
  format: string;
  /** The client asked for a gzip response (enable_http_compression=1 and Accept-Encoding: gzip). */
  gzipResponse: boolean;
  /** The body is gzip (Content-Encoding: gzip). */
  gzipRequest: boolean;
}

/** URL parameters of the HTTP layer that are not engine settings. */
const NOT_SETTINGS = new Set([
  'query',
  'database',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'role',
  'user',
  'password',
  'quota_key',
  'compress',
  'decompress',
  'buffer_size',
  'default_format',
]);

/**
 * Settings that only the HTTP server understands; the embedded engine rejects them as unknown.
 * clickhouse-js sends some of them by default (wait_end_of_query, enable_http_compression).
 */
const HTTP_ONLY_SETTINGS = new Set([
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_send_progress_interval_ms',
  'http_response_buffer_size',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_response_compression_method',
  'http_native_compression_disable_checksumming_on_decompress',
  'http_wait_end_of_query',
  'add_http_cors_header',
  'cancel_http_readonly_queries_on_client_close',
]);

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class RequestError extends Error {}

type Headers = Record<string, string | string[] | undefined>;
const header = (headers: Headers, name: string): string => {
  const v = headers[name];
  return (Array.isArray(v) ? v.join(',') : v) ?? '';
};

export function parseClickHouseRequest(url: URL, headers: Headers): ClickHouseHttpRequest {
  const q = url.searchParams;
  const params: Record<string, string> = {};
  const settings: Record<string, string> = {};
  for (const [key, value] of q) {
    if (key.startsWith('param_')) {
      const name = key.slice('param_'.length);
      if (!SETTING_NAME.test(name)) throw new RequestError(`invalid query parameter name: ${key}`);
      params[name] = value;
    } else if (!NOT_SETTINGS.has(key) && !HTTP_ONLY_SETTINGS.has(key)) {
      if (!SETTING_NAME.test(key)) throw new RequestError(`invalid setting name: ${key}`);
      settings[key] = value;
    }
  }
  return {
    queryPrefix: q.get('query') ?? '',
    database: q.get('database') || header(headers, 'x-clickhouse-database') || 'default',
    queryId: q.get('query_id') || header(headers, 'x-clickhouse-query-id') || undefined,
    params,
    settings,
    format: q.get('default_format') || header(headers, 'x-clickhouse-format') || 'TabSeparated',
    gzipResponse:
      q.get('enable_http_compression') === '1' && /\bgzip\b/.test(header(headers, 'accept-encoding')),
    gzipRequest: /\bgzip\b/.test(header(headers, 'content-encoding')),
  };
}
