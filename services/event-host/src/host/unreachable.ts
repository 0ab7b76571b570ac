import { maskUrlsIn } from '../config/mask-secrets.js';
import { HostError } from '../errors.js';

/**
 * What a command throws for a dependency it could not reach: one line naming the setting and what failed
 * (`cannot reach Postgres at <where>`, the caller masks `where`), then the client's message (URL user info
 * masked), instead of the client's own stack.
 */
export function unreachable(
  setting: string,
  what: string,
  cause: unknown,
  message = (cause as Error).message,
): HostError {
  return new HostError('EH_START_FAILED', `${setting}: ${what}: ${maskUrlsIn(message)}`, {
    retriable: true,
    cause,
  });
}
