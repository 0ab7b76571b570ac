import { ClickHouseError } from '@clickhouse/client';
import { isRetriable } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { isRetriableClickHouseError } from './clickhouse-errors.js';

const server = (type: string, code = '0') => new ClickHouseError({ message: `${type} test`, code, type });

describe('isRetriableClickHouseError', () => {
  it.each([
    'UNKNOWN_TABLE',
    'UNKNOWN_DATABASE',
    'NO_SUCH_COLUMN_IN_TABLE',
    'TYPE_MISMATCH',
    'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
    'CANNOT_PARSE_UUID',
    'ACCESS_DENIED',
  ])('%s cannot pass on a retry', (type) => {
    expect(isRetriableClickHouseError(server(type))).toBe(false);
  });

  it.each([
    'TOO_MANY_PARTS',
    'TIMEOUT_EXCEEDED',
    'MEMORY_LIMIT_EXCEEDED',
    'TABLE_IS_READ_ONLY',
    'SOMETHING_NEW',
  ])('%s may pass later', (type) => {
    expect(isRetriableClickHouseError(server(type))).toBe(true);
  });

  it('retries network errors and anything that is not a server error', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(isRetriableClickHouseError(refused)).toBe(true);
    expect(isRetriableClickHouseError(new Error('socket hang up'))).toBe(true);
    expect(isRetriable(refused)).toBe(true);
  });
});
