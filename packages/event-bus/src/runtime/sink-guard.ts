import { sleep } from './backoff.js';
import { RetryPolicy } from './retry-policy.js';

/**
 * Calls a sink until it accepts the work, with capped exponential backoff, and tracks whether the sink is
 * currently failing, so the consumer can pause and readiness can say why. A non-retriable error (a schema
 * mismatch, a key of the wrong type: see `isRetriable`) is rethrown at once: retrying cannot fix it, and
 * the caller must stop without committing the work.
 */
export class SinkGuard {
  private failing = false;
  private readonly retry: RetryPolicy;

  constructor(
    private readonly options: {
      retryBaseMs?: number;
      retryMaxMs?: number;
      onSinkState?(healthy: boolean, error?: unknown): void;
    } = {},
  ) {
    this.retry = new RetryPolicy({
      maxAttempts: Number.POSITIVE_INFINITY,
      baseMs: options.retryBaseMs ?? 200,
      maxMs: options.retryMaxMs ?? 10_000,
    });
  }

  get isHealthy(): boolean {
    return !this.failing;
  }

  /**
   * Runs `fn` until it succeeds; rethrows the last error once `signal` aborts, and a non-retriable error at
   * once.
   */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const value = await fn();
        if (this.failing) {
          this.failing = false;
          this.options.onSinkState?.(true);
        }
        return value;
      } catch (error) {
        if (!this.failing) {
          this.failing = true;
          this.options.onSinkState?.(false, error);
        }
        if (signal?.aborted || !this.retry.shouldRetry(error, attempt)) throw error;
        await sleep(this.retry.delayMs(attempt), signal);
      }
    }
  }
}
