import { isRetriable } from '@engagement/plugin-api';
import { backoffDelay } from './backoff.js';

export { isRetriable };

export interface RetryPolicyOptions {
  /** Attempts before giving up (first try included); `Infinity` retries until the caller aborts. */
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/**
 * The one answer to "try again?" for listeners and sinks: an error that is not retriable (see
 * `isRetriable`: its own `retriable` flag or any in its `cause` chain) is final at once; a retriable one
 * is tried again after a full-jitter backoff until `maxAttempts`.
 */
export class RetryPolicy {
  constructor(readonly options: RetryPolicyOptions) {}

  /** True when `error`, raised by attempt number `attempt` (from 1), deserves another attempt. */
  shouldRetry(error: unknown, attempt: number): boolean {
    return attempt < this.options.maxAttempts && isRetriable(error);
  }

  /** How long to wait after failed attempt number `attempt` (from 1). */
  delayMs(attempt: number): number {
    return backoffDelay(attempt, this.options.baseMs, this.options.maxMs);
  }
}
