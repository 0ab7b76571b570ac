import type { Logger } from 'pino';
import type { EventHost } from './create-event-host.js';

/**
 * One Ctrl-C can arrive twice within milliseconds: the terminal signals the whole process group, and a
 * wrapper (npm, tsx) relays it to its child as well. A repeat this soon is not a person asking again.
 */
const DUPLICATE_WINDOW_MS = 500;

export interface ShutdownOptions {
  deadlineMs: number;
  logger: Logger;
  signals?: readonly NodeJS.Signals[];
  /** Where signals come from; tests pass an EventEmitter. */
  process?: Pick<NodeJS.Process, 'on' | 'off'>;
}

/**
 * Graceful shutdown on SIGTERM/SIGINT: stop fetching, finish in-flight work, flush, commit and leave the
 * group within `deadlineMs`. Past the deadline, or on a second signal, in-flight retries are aborted and
 * the host exits at once (what was not committed is replayed by the next owner of its partitions).
 * Resolves with the exit code: 0 after a clean stop, 1 past the deadline or when a feature or resource failed
 * to stop or close, 130 on a second signal.
 */
export function exitOnShutdownSignal(
  host: Pick<EventHost, 'stop' | 'abort'>,
  options: ShutdownOptions,
): Promise<number> {
  const proc = options.process ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const { logger } = options;
  return new Promise((resolve) => {
    let received: NodeJS.Signals | undefined;
    let receivedAt = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received && Date.now() - receivedAt < DUPLICATE_WINDOW_MS) {
        logger.debug({ signal }, 'host.shutdown.duplicate_signal_ignored');
        return;
      }
      if (received) {
        logger.warn({ signal }, 'host.shutdown.forced: second signal, exiting without waiting');
        host.abort();
        return resolve(130);
      }
      received = signal;
      receivedAt = Date.now();
      logger.info({ signal, deadlineMs: options.deadlineMs }, 'host.shutdown.begin');
      const deadline = setTimeout(() => {
        logger.error({ deadlineMs: options.deadlineMs }, 'host.shutdown.deadline_passed: aborting');
        host.abort();
        resolve(1);
      }, options.deadlineMs);
      host.stop().then(
        (result) => {
          clearTimeout(deadline);
          if (result.failed.length) {
            logger.error({ failed: result.failed.map((f) => f.name) }, 'host.shutdown.failed');
            return resolve(1);
          }
          logger.info('host.shutdown.done');
          resolve(0);
        },
        (err) => {
          clearTimeout(deadline);
          logger.error({ err }, 'host.shutdown.failed');
          resolve(1);
        },
      );
    };
    for (const s of signals) proc.on(s, onSignal);
  });
}
