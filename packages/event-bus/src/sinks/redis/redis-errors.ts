import { SinkError } from '../../errors.js';

/**
 * Redis error replies a retry cannot fix: a key holds another type than the sink writes (WRONGTYPE),
 * the credentials or ACLs refuse the command, keys of one call span cluster slots. Everything else is
 * retried: connection errors, NOSCRIPT (ioredis loads the script again), LOADING, BUSY, READONLY and
 * MASTERDOWN during a failover, OOM, and generic ERR replies. docs/operations.md has the table.
 */
const NON_RETRIABLE = /^(?:WRONGTYPE|NOAUTH|WRONGPASS|NOPERM|CROSSSLOT)\b/;

/**
 * False for a Redis error reply a retry cannot fix; true otherwise (including every non-reply error). A
 * script's reply carries the code of the command that failed in it (Redis 7), older servers prefix it with
 * `ERR Error running script`.
 */
export function isRetriableRedisError(error: unknown): boolean {
  if ((error as { name?: unknown } | null)?.name !== 'ReplyError') return true;
  const message = String((error as Error).message).replace(/^ERR Error running script[^:]*:\s*/, '');
  return !NON_RETRIABLE.test(message) && !/\bWRONGTYPE\b/.test(message);
}

/** Runs one Redis call, rethrowing its failure as the sink's `SinkError`, retriable as above. */
export async function asSinkCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (cause) {
    throw redisSinkError(cause);
  }
}

/** A Redis failure (a thrown error or one reply of a pipeline) as the sink's `SinkError`, retriable as above. */
export function redisSinkError(cause: unknown): SinkError {
  if (cause instanceof SinkError) return cause;
  return new SinkError('redis', (cause as Error).message, { cause, retriable: isRetriableRedisError(cause) });
}
