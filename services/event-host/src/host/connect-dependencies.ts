import { backoffDelay, sleep } from '@engagement/event-bus/runtime';
import { HostError } from '../errors.js';

/** One thing `start()` must get done against a dependency that may be down. */
export interface StartStep {
  /** The dependency this step needs, or how to tell it from the error (one step can touch two). */
  dependency: string | ((error: unknown) => string);
  run(): Promise<void>;
}

/** What a starting host is waiting for, for `/readyz` and the logs. */
export interface StartWait {
  dependency: string;
  attempt: number;
  error: string;
  retryInMs: number;
}

export interface ConnectOptions {
  steps: readonly StartStep[];
  /** Give up this long after the first attempt began. */
  deadlineMs: number;
  /** Named in the error past the deadline, e.g. `EVENT_HOST_START_DEADLINE_MS (start.deadlineMs)`. */
  deadlineSetting: string;
  /** Aborted by `stop()`: resolves with `'aborted'` instead of retrying. */
  signal: AbortSignal;
  onWaiting(wait: StartWait): void;
  /** Backoff bounds: full jitter, the ceiling doubling from `initialDelayMs` to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** The jitter's source, a number in [0, 1] (tests pin it); `Math.random` by default. */
  random?: () => number;
}

/**
 * Runs the steps in order; a failing step is retried (the ones before it are not redone) with exponential
 * backoff (`backoffDelay`, full jitter) until all succeeded, or `stop()` aborted, or the deadline passed: then it rejects with
 * `EH_START_FAILED` naming the dependency and the setting. A dependency that is down at boot is an outage
 * to wait out (as orchestrators expect of a service that stays alive but not ready), not a bad config.
 * Every error is retried here, whatever its `retriable` flag: the deadline bounds the wait, and kafkajs
 * marks a broker that stayed down through its own retries non-retriable (`KafkaJSNumberOfRetriesExceeded`).
 */
export async function connectDependencies(options: ConnectOptions): Promise<'connected' | 'aborted'> {
  const { signal } = options;
  const deadline = Date.now() + options.deadlineMs;
  const baseDelay = options.initialDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 5_000;
  let attempt = 0;
  let failures = 0;
  let lastError = '';
  for (const step of options.steps) {
    lastError = '';
    for (;;) {
      if (signal.aborted) return 'aborted';
      attempt++;
      try {
        await beforeDeadline(step.run(), deadline, signal);
        break;
      } catch (error) {
        if (signal.aborted) return 'aborted';
        const dependency = typeof step.dependency === 'string' ? step.dependency : step.dependency(error);
        const message =
          error === DEADLINE && lastError
            ? `${lastError} (the last attempt was still running)`
            : error instanceof Error
              ? error.message
              : String(error);
        lastError = message;
        const left = deadline - Date.now();
        if (left <= 0 || error === DEADLINE) {
          throw new HostError(
            'EH_START_FAILED',
            `${dependency} still unreachable after ${options.deadlineMs} ms (${attempt} attempts; ${options.deadlineSetting}): ${message}`,
            { cause: error, retriable: true },
          );
        }
        failures++;
        const delay = backoffDelay(failures, baseDelay, maxDelay, options.random);
        const retryInMs = Math.min(delay, left);
        options.onWaiting({ dependency, attempt, error: message, retryInMs });
        await sleep(retryInMs, signal);
      }
    }
  }
  return 'connected';
}

const DEADLINE = new Error('the start deadline passed while the attempt was still running');

function beforeDeadline<T>(work: Promise<T>, deadline: number, signal: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(DEADLINE), Math.max(0, deadline - Date.now()));
      onAbort = () => reject(new Error('stopped while starting'));
      signal.addEventListener('abort', onAbort, { once: true });
    }),
  ]).finally(() => {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  });
}
