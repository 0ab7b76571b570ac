import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { ServedEngine } from './engine.js';
import { badRequest, type ClickHouseHttpError, toHttpError } from './errors.js';
import { type ClickHouseHttpRequest, parseClickHouseRequest, RequestError } from './request.js';
import { buildStatement } from './statement.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface ClickHouseHttpServerOptions {
  engine: ServedEngine;
  /** One line per failed request (and nothing per successful one). */
  log?: (line: string) => void;
}

const CONTENT_TYPES: Array<[RegExp, string]> = [
  [/^JSON/i, 'application/json; charset=UTF-8'],
  [/^(TabSeparated|TSV)/i, 'text/tab-separated-values; charset=UTF-8'],
  [/^CSV/i, 'text/csv; charset=UTF-8'],
];
const contentType = (format: string) =>
  CONTENT_TYPES.find(([re]) => re.test(format))?.[1] ?? 'text/plain; charset=UTF-8';

// Row-per-line formats: the rows an INSERT wrote are its non-empty body lines.
const LINE_FORMATS =
  /\bFORMAT\s+(JSONEachRow|JSONLines|NDJSON|JSONCompactEachRow|JSONStringsEachRow|CSV|CSVWithNames|TabSeparated|TSV)\b/i;

/**
 * The subset of ClickHouse's HTTP interface that `@clickhouse/client` uses: `GET /ping`,
 * `GET|POST /?query=…` with the SQL or an INSERT's rows in the body, `param_<name>` values,
 * settings as URL parameters, gzip both ways, and errors as non-200 responses with
 * `X-ClickHouse-Exception-Code` and the engine's exception text. Credentials are accepted and
 * ignored: it binds to loopback and serves a local development engine.
 */
export function createClickHouseHttpServer(opts: ClickHouseHttpServerOptions): Server {
  const log = opts.log ?? (() => {});
  // Query parameters travel in the URL: ClickHouse accepts URLs up to 1 MiB (http_max_uri_size), Node's
  // default is 16 KB of headers, request line included. A roll's cut map over a stack's many test topics
  // passes that, and Node answered 431 with an empty body before the request reached this handler.
  return createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    handle(opts.engine, req, res, log).catch((err: unknown) => {
      log(`internal error: ${(err as Error).stack ?? err}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
}

async function handle(
  engine: ServedEngine,
  req: IncomingMessage,
  res: ServerResponse,
  log: (line: string) => void,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (
    url.pathname === '/ping' ||
    (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))
  ) {
    await drain(req);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
    return;
  }
  if (url.pathname !== '/' || (req.method !== 'POST' && req.method !== 'GET')) {
    await drain(req);
    res
      .writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' })
      .end(`There is no handle ${url.pathname}\n`);
    return;
  }

  let parsed: ClickHouseHttpRequest;
  try {
    parsed = parseClickHouseRequest(url, req.headers);
  } catch (err) {
    await drain(req);
    if (!(err instanceof RequestError)) throw err;
    return sendError(res, randomUUID(), badRequest(err.message), false);
  }
  const queryId = parsed.queryId ?? randomUUID();
  if (/^multipart\//i.test(req.headers['content-type'] ?? '')) {
    await drain(req);
    return sendError(
      res,
      queryId,
      badRequest('multipart parameters are not supported by this server'),
      parsed.gzipResponse,
    );
  }
  const raw = await readBody(req);
  const body = (parsed.gzipRequest ? await gunzipAsync(raw) : raw).toString('utf8');
  const statement = buildStatement(parsed, body);
  if (!statement.sql.trim()) {
    return sendError(res, queryId, badRequest('Empty query'), parsed.gzipResponse);
  }
  const format = statement.explicitFormat ?? parsed.format;
  const started = process.hrtime.bigint();
  try {
    const result = await engine.run(statement, format);
    const writtenRows =
      statement.isInsert && LINE_FORMATS.test(parsed.queryPrefix || statement.sql) ? countLines(body) : 0;
    const summary = {
      read_rows: String(statement.isInsert ? writtenRows : result.rowsRead),
      read_bytes: String(statement.isInsert ? Buffer.byteLength(body) : result.bytesRead),
      written_rows: String(writtenRows),
      written_bytes: String(statement.isInsert ? Buffer.byteLength(body) : 0),
      total_rows_to_read: '0',
      result_rows: String(statement.isInsert ? 0 : result.rowsRead),
      result_bytes: String(result.bytes.length),
      elapsed_ns: String(process.hrtime.bigint() - started),
    };
    const headers: Record<string, string> = {
      'Content-Type': contentType(format),
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Format': format,
      'X-ClickHouse-Timezone': 'UTC',
      'X-ClickHouse-Summary': JSON.stringify(summary),
    };
    await send(res, 200, headers, result.bytes, parsed.gzipResponse);
  } catch (err) {
    const error = toHttpError(err);
    log(`query ${queryId} failed (${error.code}): ${error.body.split('\n')[0]?.slice(0, 300)}`);
    return sendError(res, queryId, error, parsed.gzipResponse);
  }
}

async function sendError(res: ServerResponse, queryId: string, error: ClickHouseHttpError, gzipped: boolean) {
  await send(
    res,
    error.status,
    {
      'Content-Type': 'text/plain; charset=UTF-8',
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Exception-Code': String(error.code),
    },
    Buffer.from(error.body),
    gzipped,
  );
}

async function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
  gzipped: boolean,
): Promise<void> {
  const payload = gzipped ? await gzipAsync(body) : body;
  res.writeHead(status, {
    ...headers,
    ...(gzipped ? { 'Content-Encoding': 'gzip' } : {}),
    'Content-Length': String(payload.length),
  });
  res.end(payload);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // discard: a keep-alive connection must not be left with an unread body
  }
}

function countLines(body: string): number {
  let n = 0;
  for (const line of body.split('\n')) if (line.trim()) n++;
  return n;
}
