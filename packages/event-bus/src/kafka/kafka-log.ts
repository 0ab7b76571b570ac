import type { Logger } from '@engagement/plugin-api';
import { type logCreator, logLevel } from 'kafkajs';

/**
 * kafkajs logs through the pipeline's logger instead of its own JSON lines. Its ERROR entries are mostly
 * responses it retries itself (a rebalance in progress, a leader not elected yet), so they are warnings
 * here; the pipeline logs errors that really stop it.
 */
export function kafkaLogCreator(log: Logger): logCreator {
  return () =>
    ({ namespace, level, log: entry }) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry;
      const bound = { ...fields, namespace };
      if (level === logLevel.ERROR || level === logLevel.WARN) log.warn(bound, message);
      else if (level === logLevel.INFO) log.info(bound, message);
      else log.debug(bound, message);
    };
}
