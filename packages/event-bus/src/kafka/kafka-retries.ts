import { isRetriable } from '@engagement/plugin-api';
import { SinkError } from '../errors.js';

/**
 * Rethrows a kafkajs error for the sink guard. kafkajs marks "retries exhausted"
 * (`KafkaJSNumberOfRetriesExceeded`) non-retriable because it will not retry it itself, but its cause is
 * an outage the guard should wait out: it becomes a retriable `SinkError`. Any other error keeps its own
 * flag (`MESSAGE_TOO_LARGE`, an authorization failure stop the host).
 */
export function retriableWhenRetriesRanOut(error: unknown): never {
  if ((error as Error)?.name === 'KafkaJSNumberOfRetriesExceeded') {
    const cause = (error as { cause?: unknown }).cause;
    throw new SinkError('kafka', (error as Error).message, {
      retriable: true,
      cause: isRetriable(cause) ? cause : undefined,
    });
  }
  throw error;
}
