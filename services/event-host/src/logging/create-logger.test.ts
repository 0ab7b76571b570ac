import { describe, expect, it } from 'vitest';
import { maskedError } from './create-logger.js';

describe('the logged error', () => {
  it('adds a cause only when the message does not quote it already, with URL user info masked', () => {
    const fetchFailed = new Error('fetch failed', {
      cause: new Error('connect ECONNREFUSED 127.0.0.1:7700'),
    });
    const request = new Error('Request to http://admin:s3cret@search:7700/indexes has failed', {
      cause: fetchFailed,
    });
    const flush = new Error(`documents update on index images failed: ${request.message}`, {
      cause: request,
    });
    expect(maskedError(flush).message).toBe(
      'documents update on index images failed: Request to http://***@search:7700/indexes has failed: fetch failed: connect ECONNREFUSED 127.0.0.1:7700',
    );
    expect(maskedError(new Error('outer', { cause: new Error('inner') })).message).toBe('outer: inner');
    expect(maskedError(new Error('alone')).message).toBe('alone');
    // A cause quoted after masking (as the commands' refusals do) is not added again.
    const refused = new Error('connect to postgres://app:pw@db:5432/app failed');
    const refusal = new Error('cannot reach Postgres: connect to postgres://***@db:5432/app failed', {
      cause: refused,
    });
    expect(maskedError(refusal).message).toBe(
      'cannot reach Postgres: connect to postgres://***@db:5432/app failed',
    );
    expect(String(maskedError(flush).stack)).not.toContain('s3cret');
  });
});
