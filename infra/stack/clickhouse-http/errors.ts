/** A failed query as the ClickHouse HTTP server reports it: status, exception code and text body. */
export interface ClickHouseHttpError {
  status: number;
  code: number;
  body: string;
}

const CODE = /Code: (\d+)\. DB::Exception/;

// The server answers most exceptions with 500; a few codes map to client-side statuses.
const STATUS_BY_CODE: Record<number, number> = {
  60: 404, // UNKNOWN_TABLE
  81: 404, // UNKNOWN_DATABASE
  62: 400, // SYNTAX_ERROR
  27: 400, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  36: 400, // BAD_ARGUMENTS
  115: 400, // UNKNOWN_SETTING
  456: 400, // UNKNOWN_QUERY_PARAMETER
  457: 400, // BAD_QUERY_PARAMETER
  516: 401, // AUTHENTICATION_FAILED
};

/**
 * Maps an engine error (chDB's message carries the engine's `Code: N. DB::Exception: … (NAME)` text)
 * to the server's response, so `@clickhouse/client` raises the same ClickHouseError as against a server.
 * Anything else becomes code 1001 (STD_EXCEPTION) with the message as text.
 */
export function toHttpError(err: unknown): ClickHouseHttpError {
  const message = err instanceof Error ? err.message : String(err);
  const code = Number(CODE.exec(message)?.[1]);
  if (Number.isInteger(code) && code > 0) {
    return { status: STATUS_BY_CODE[code] ?? 500, code, body: `${message.trim()}\n` };
  }
  return {
    status: 500,
    code: 1001,
    body: `Code: 1001. DB::Exception: ${message.trim()}. (STD_EXCEPTION)\n`,
  };
}

/** An error of the HTTP layer itself (bad request), in the server's text form. */
export function badRequest(message: string): ClickHouseHttpError {
  return { status: 400, code: 36, body: `Code: 36. DB::Exception: ${message}. (BAD_ARGUMENTS)\n` };
}
