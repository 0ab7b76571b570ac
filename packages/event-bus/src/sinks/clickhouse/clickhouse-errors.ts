/**
 * ClickHouse error types (`ClickHouseError.type`) that the same insert can never get past: the table,
 * its columns or their types do not match what the host writes, or the user may not write. Everything
 * else (network errors, TOO_MANY_PARTS, TIMEOUT_EXCEEDED, MEMORY_LIMIT_EXCEEDED, TABLE_IS_READ_ONLY, an
 * unknown type) may pass later and is retried. docs/operations.md has the table.
 */
const NON_RETRIABLE_TYPES = new Set([
  'UNKNOWN_DATABASE',
  'UNKNOWN_TABLE',
  'NO_SUCH_COLUMN_IN_TABLE',
  'THERE_IS_NO_COLUMN',
  'UNKNOWN_IDENTIFIER',
  'TYPE_MISMATCH',
  'ILLEGAL_TYPE_OF_ARGUMENT',
  'ILLEGAL_COLUMN',
  'CANNOT_CONVERT_TYPE',
  'CANNOT_READ_ARRAY_FROM_TEXT',
  'INCORRECT_DATA',
  'INCORRECT_NUMBER_OF_COLUMNS',
  'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  'SYNTAX_ERROR',
  'NOT_IMPLEMENTED',
  'UNKNOWN_SETTING',
  'READONLY',
  'ACCESS_DENIED',
  'NOT_ENOUGH_PRIVILEGES',
  'AUTHENTICATION_FAILED',
  'REQUIRED_PASSWORD',
  'WRONG_PASSWORD',
  'UNKNOWN_USER',
]);

/** The ClickHouse error type of `error` (e.g. `UNKNOWN_TABLE`), when it is a ClickHouse server error. */
export function clickHouseErrorType(error: unknown): string | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  return typeof type === 'string' && type ? type : undefined;
}

/** False for a ClickHouse error a retry cannot fix (a schema mismatch, missing rights); true otherwise. */
export function isRetriableClickHouseError(error: unknown): boolean {
  const type = clickHouseErrorType(error);
  if (type === undefined) return true;
  return !(NON_RETRIABLE_TYPES.has(type) || type.startsWith('CANNOT_PARSE_'));
}
