import { CodedError, isRetriable } from '@engagement/plugin-api';
import { describe, expect, it } from 'vitest';
import { MetricListenerError } from './errors.js';

describe('MetricListenerError', () => {
  it('is a CodedError whose retriable flag follows its code, so the runtime reads it', () => {
    const missing = new MetricListenerError('ML_RELATED_ROW_MISSING', 'image 7');
    const lookup = new MetricListenerError('ML_LOOKUP_FAILED', 'images', { cause: new Error('ECONNRESET') });
    expect(missing).toBeInstanceOf(CodedError);
    expect(missing).toMatchObject({ name: 'MetricListenerError', code: 'ML_RELATED_ROW_MISSING' });
    expect(missing.message).toBe('ML_RELATED_ROW_MISSING: image 7');
    expect([isRetriable(missing), isRetriable(lookup)]).toEqual([false, true]);
  });
});
