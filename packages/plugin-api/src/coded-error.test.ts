import { describe, expect, it } from 'vitest';
import { CodedError, isRetriable } from './coded-error.js';
import { RowValueError, readRow } from './row-reader.js';

describe('CodedError', () => {
  it('carries the code, the retriable flag and the cause, and starts its message with the code', () => {
    const cause = new Error('socket hang up');
    const error = new CodedError('XX_SOMETHING', 'went wrong', { retriable: true, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'XX_SOMETHING', retriable: true, cause, name: 'CodedError' });
    expect(error.message).toBe('XX_SOMETHING: went wrong');
    expect('cause' in new CodedError('XX', 'no cause', { retriable: false })).toBe(false);
  });

  it('is what isRetriable reads', () => {
    expect(isRetriable(new CodedError('XX', 'bad data', { retriable: false }))).toBe(false);
    expect(isRetriable(new CodedError('XX', 'outage', { retriable: true }))).toBe(true);
  });

  it('is what readRow throws: not retriable, with the decode code', () => {
    const error = (() => {
      try {
        readRow({ n: 'x' }).int('n');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RowValueError);
    expect(error).toBeInstanceOf(CodedError);
    expect(error).toMatchObject({ code: 'EB_DECODE_BAD_VALUE', retriable: false });
    expect(isRetriable(error)).toBe(false);
  });
});
