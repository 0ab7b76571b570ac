import type { Logger } from '@engagement/plugin-api';
import { type logCreator, logLevel } from 'kafkajs';

/**
 * Error responses that only say a partition's leader or a group's coordinator is moving (or still loading
 * its groups): every new topic answers so until its leaders are elected, and every broker restart does for a
 * moment. kafkajs refreshes its metadata and retries them itself, and throws (which the pipeline logs) only
 * when that does not help.
 * Matched by kafkajs's message for the Kafka error (kafka-log.test.ts checks them against its error table).
 */
export const MOVING_LEADER_ERRORS: ReadonlySet<string> = new Set([
  'This server is not the leader for that topic-partition',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  "The coordinator is loading and hence can't process requests for this group",
]);

/**
 * kafkajs logs through the pipeline's logger instead of its own JSON lines. Its ERROR entries are mostly
 * responses it retries itself (a rebalance in progress, a leader not elected yet), so they are warnings
 * here, and a response that only says a leader is moving is debug; the pipeline logs errors that really
 * stop it.
 */
export function kafkaLogCreator(log: Logger): logCreator {
  return () =>
    ({ namespace, level, log: entry }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry;
      const bound = { ...fields, namespace };
      if (MOVING_LEADER_ERRORS.has(fields.error as string)) log.debug(bound, message);
      else if (level === logLevel.ERROR || level === logLevel.WARN) log.warn(bound, message);
      else if (level === logLevel.INFO) log.info(bound, message);
      else log.debug(bound, message);
    };
}
