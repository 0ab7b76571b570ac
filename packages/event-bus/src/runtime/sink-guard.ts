import { SinkError } from '../errors.js';
import { sleep } from './backoff.js';
import { RetryPolicy } from './retry-policy.js';

/**
 * Calls a sink until it accepts the work, with capped exponential backoff, and tracks whether the sink is
 * currently failing, so the consumer can pause and readiness can say why. A non-retriable error (a schema
 * mismatch, a key of the wrong type: see `isRetriable`) is rethrown at once: retrying cannot fix it, and
 * the caller must stop without committing the work.
 *
 * A call that has not answered for `unansweredMs` (default 30 s) counts as failing too, with a `SinkError`
 * naming the call's sink, until it answers: a frozen Redis keeps its connection open and never fails a
 * command (ioredis sets no command timeout), so without this the sink would read as up for the whole freeze.
 * The call itself keeps waiting; nothing is retried or given up because of it.
 */
export class SinkGuard {
  private failing = false;
  private readonly retry: RetryPolicy;
  private readonly unansweredMs: number;

  constructor(
    private readonly options: {
      retryBaseMs?: number;
      retryMaxMs?: number;
      /** How long a call may go unanswered before the sink counts as failing (default 30 s). */
      unansweredMs?: number;
      onSinkState?(healthy: boolean, error?: unknown): void;
    } = {},
  ) {
    this.unansweredMs = options.unansweredMs ?? 30_000;
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
   * once. `sink` names what `fn` writes, for the error of a call left unanswered.
   */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal, sink = 'sink'): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const unanswered = setTimeout(() => {
        this.fail(new SinkError(sink, `no answer within ${this.unansweredMs} ms; still waiting`));
      }, this.unansweredMs);
      let failed: unknown;
      try {
        const value = await fn();
        if (this.failing) {
          this.failing = false;
          this.options.onSinkState?.(true);
        }
        return value;
      } catch (error) {
        failed = error;
      } finally {
        clearTimeout(unanswered);
      }
      this.fail(failed);
      if (signal?.aborted || !this.retry.shouldRetry(failed, attempt)) throw failed;
      await sleep(this.retry.delayMs(attempt), signal);
    }
  }

  private fail(error: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.options.onSinkState?.(false, error);
  }
}
