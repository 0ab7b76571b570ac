import { describe, expect, it } from 'vitest';
import { toHttpError } from './errors.js';
import { parseClickHouseRequest, RequestError } from './request.js';
import { buildStatement, sqlString } from './statement.js';

const parse = (query: string, headers: Record<string, string> = {}) =>
  parseClickHouseRequest(new URL(`http://127.0.0.1:8123/?${query}`), headers);

describe('parseClickHouseRequest', () => {
  it('splits a clickhouse-js URL into query, params, settings and format', () => {
    const url = new URLSearchParams({
      query: 'INSERT INTO t FORMAT JSONEachRow',
      database: 'app',
      query_id: 'q-1',
      param_ids: "['a','b\\'c']",
      param_name: "O\\'Brien",
      date_time_input_format: 'best_effort',
      wait_end_of_query: '1',
      enable_http_compression: '1',
      default_format: 'JSONEachRow',
    });
    const req = parse(url.toString(), { 'accept-encoding': 'gzip, deflate', 'content-encoding': 'gzip' });
    expect(req).toEqual({
      queryPrefix: 'INSERT INTO t FORMAT JSONEachRow',
      database: 'app',
      queryId: 'q-1',
      params: { ids: "['a','b\\'c']", name: "O\\'Brien" },
      settings: { date_time_input_format: 'best_effort' },
      format: 'JSONEachRow',
      gzipResponse: true,
      gzipRequest: true,
    });
  });

  it('defaults like the server: database default, TabSeparated, no compression', () => {
    const req = parse('');
    expect(req).toMatchObject({
      database: 'default',
      format: 'TabSeparated',
      gzipResponse: false,
      params: {},
    });
    // gzip only when both asked for: the setting alone is not an Accept-Encoding.
    expect(parse('enable_http_compression=1').gzipResponse).toBe(false);
  });

  it('refuses names that would not be identifiers in SET', () => {
    expect(() => parse('param_a%3Db=1')).toThrow(RequestError);
    expect(() => parse('max_threads%20=1')).toThrow(RequestError);
  });
});

describe('buildStatement', () => {
  it('hands parameter values to the engine verbatim, inside one SQL literal each', () => {
    const req = parse(
      new URLSearchParams({ param_ids: "['a','b\\'c']", param_s: 'x\\\\y', max_threads: '2' }).toString(),
    );
    const st = buildStatement(req, 'SELECT {ids:Array(String)}, {s:String}');
    expect(st.setup).toEqual([
      `SET max_threads = '2', param_ids = '[\\'a\\',\\'b\\\\\\'c\\']', param_s = 'x\\\\\\\\y'`,
    ]);
    expect(st.sql).toBe('SELECT {ids:Array(String)}, {s:String}');
    expect(st.isInsert).toBe(false);
  });

  it('joins the query parameter and the body of an INSERT with a newline', () => {
    const st = buildStatement(
      parse('query=INSERT%20INTO%20t%20FORMAT%20JSONEachRow&database=app'),
      '{"a":1}\n',
    );
    expect(st).toMatchObject({ sql: 'INSERT INTO t FORMAT JSONEachRow\n{"a":1}\n', isInsert: true });
    expect(st.setup).toEqual(['USE `app`']);
  });

  it('reads a trailing FORMAT clause, which wins over default_format', () => {
    expect(buildStatement(parse(''), 'SELECT 1 FORMAT JSONCompactEachRow;').explicitFormat).toBe(
      'JSONCompactEachRow',
    );
    expect(buildStatement(parse(''), 'SELECT 1').explicitFormat).toBeUndefined();
  });

  it('escapes backslashes before quotes in literals', () => {
    expect(sqlString("a\\'b")).toBe("'a\\\\\\'b'");
  });
});

describe('toHttpError', () => {
  it('keeps the engine code and text, with the server status for the code', () => {
    const e = toHttpError(new Error("Code: 60. DB::Exception: Unknown table 'x'. (UNKNOWN_TABLE)"));
    expect(e).toEqual({
      status: 404,
      code: 60,
      body: "Code: 60. DB::Exception: Unknown table 'x'. (UNKNOWN_TABLE)\n",
    });
    expect(toHttpError(new Error('Code: 241. DB::Exception: memory. (MEMORY_LIMIT_EXCEEDED)')).status).toBe(
      500,
    );
  });

  it('wraps other errors as STD_EXCEPTION in the same text form', () => {
    expect(toHttpError(new Error('boom'))).toMatchObject({ status: 500, code: 1001 });
    expect(toHttpError(new Error('boom')).body).toMatch(
      /^Code: 1001\. DB::Exception: boom\. \(STD_EXCEPTION\)/,
    );
  });
});
