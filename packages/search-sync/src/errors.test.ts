import { CodedError, isRetriable } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { SearchSyncError } from './errors.js';

describe('SearchSyncError', () => {
  it('is a CodedError, retriable unless it says otherwise', () => {
    const down = new SearchSyncError('SS_MEILISEARCH_UNAVAILABLE', 'GET /health');
    const config = new SearchSyncError('SS_CONFIG_INVALID', 'duplicate index uid', { retriable: false });
    expect(down).toBeInstanceOf(CodedError);
    expect(down).toMatchObject({ name: 'SearchSyncError', code: 'SS_MEILISEARCH_UNAVAILABLE' });
    expect(down.message).toBe('SS_MEILISEARCH_UNAVAILABLE: GET /health');
    expect([isRetriable(down), isRetriable(config)]).toEqual([true, false]);
  });
});
