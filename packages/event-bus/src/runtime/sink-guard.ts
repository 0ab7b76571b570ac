import { backoffDelay, sleep } from './backoff.js';

/**
 * Calls a sink until it accepts the work, with capped exponential backoff, and tracks whether the sink is
 * currently failing, so the consumer can pause and readiness can say why.
 */
export class SinkGuard {
  private failing = false;

  constructor(
    private readonly options: {
      retryBaseMs?: number;
      retryMaxMs?: number;
      onSinkState?(healthy: boolean, error?: unknown): void;
    } = {},
  ) {}

  get isHealthy(): boolean {
    return !this.failing;
  }

  /** Runs `fn` until it succeeds; rethrows the last error once `signal` aborts. */
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
        if (signal?.aborted) throw error;
        await sleep(
          backoffDelay(attempt, this.options.retryBaseMs ?? 200, this.options.retryMaxMs ?? 10_000),
          signal,
        );
      }
    }
  }
}
