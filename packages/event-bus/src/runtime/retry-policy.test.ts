import { describe, expect, it } from 'vitest';
import { DecodeError, EventBusError, ListenerError, SinkError } from '../errors.js';
import { backoffDelay } from './backoff.js';
import { isRetriable, RetryPolicy } from './retry-policy.js';

/** An error of another catalog (metric-listeners, KafkaJS): only the duck-typed flag is shared. */
function foreign(retriable: boolean | undefined, cause?: unknown) {
  return Object.assign(new Error('foreign', cause === undefined ? undefined : { cause }), { retriable });
}

describe('isRetriable', () => {
  it('follows the error’s own retriable flag, from any catalog', () => {
    expect(isRetriable(new SinkError('clickhouse', 'down'))).toBe(true);
    expect(isRetriable(new SinkError('clickhouse', 'bad schema', { retriable: false }))).toBe(false);
    expect(isRetriable(new DecodeError('EB_DECODE_BAD_VALUE', 'column "x"'))).toBe(false);
    expect(isRetriable(foreign(true))).toBe(true);
    expect(isRetriable(foreign(false))).toBe(false);
  });

  it('counts errors without the flag as retriable: network failures and the unknown keep being retried', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    expect(isRetriable(refused)).toBe(true);
    expect(isRetriable(new TypeError('fetch failed'))).toBe(true);
    expect(isRetriable('a string')).toBe(true);
    expect(isRetriable(undefined)).toBe(true);
    expect(isRetriable(foreign(undefined))).toBe(true);
  });

  it('is false when any error in the cause chain is not retriable, however deep', () => {
    const deep = new Error('outer', { cause: new Error('middle', { cause: foreign(false) }) });
    expect(isRetriable(deep)).toBe(false);
    expect(isRetriable(new SinkError('redis', 'wrapped', { cause: foreign(false) }))).toBe(false);
    expect(isRetriable(new Error('outer', { cause: new Error('inner') }))).toBe(true);
  });

  it('makes a listener error as retriable as what the listener threw', () => {
    expect(new ListenerError('l', new DecodeError('EB_DECODE_BAD_VALUE', 'x')).retriable).toBe(false);
    expect(new ListenerError('l', foreign(true)).retriable).toBe(true);
    expect(new ListenerError('l', new Error('boom')).retriable).toBe(true);
  });

  it('stops at a cause cycle instead of looping', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isRetriable(a)).toBe(true);
    expect(isRetriable(new EventBusError('EB_X', 'catalogued, default not retriable'))).toBe(false);
  });
});

describe('RetryPolicy', () => {
  const policy = new RetryPolicy({ maxAttempts: 3, baseMs: 100, maxMs: 5_000 });

  it('retries a retriable error until maxAttempts, a non-retriable one never', () => {
    const flaky = new Error('timeout');
    expect([1, 2, 3].map((n) => policy.shouldRetry(flaky, n))).toEqual([true, true, false]);
    expect(policy.shouldRetry(foreign(false), 1)).toBe(false);
    const forever = new RetryPolicy({ maxAttempts: Number.POSITIVE_INFINITY, baseMs: 1, maxMs: 1 });
    expect(forever.shouldRetry(flaky, 1_000_000)).toBe(true);
  });
});

describe('backoffDelay', () => {
  it('is full jitter: uniform in [0, min(max, base * 2^(attempt-1))]', () => {
    expect(backoffDelay(1, 100, 5_000, () => 0)).toBe(0);
    expect(backoffDelay(1, 100, 5_000, () => 0.999_999)).toBe(100);
    expect(backoffDelay(3, 100, 5_000, () => 0.5)).toBe(200);
    expect(backoffDelay(30, 100, 5_000, () => 0.999_999)).toBe(5_000);
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(5_000, 100 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, 100, 5_000);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
  });
});
