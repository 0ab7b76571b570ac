import { checkDrift } from '@engagement/event-bus/reader';
import { cacheKeysOf, watermarkKeyOf } from '../deployment/cache-scope.js';
import { type HostScope, hostTokens } from './host-scope.js';
import type { HostFeature } from './lifecycle.js';

/**
 * The drift check (`drift.intervalMs` > 0): every interval once the host runs, a sample of cached hashes is
 * compared with ClickHouse; the result goes to the drift gauges and the log. Needs the clients and metrics.
 */
export function driftCheckFeature({ config, logger, container }: HostScope): HostFeature {
  const redis = container.get(hostTokens.redis);
  const clickhouse = container.get(hostTokens.clickhouse);
  const metrics = container.get(hostTokens.metrics);
  let timer: NodeJS.Timeout | undefined;
  let checking = false;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      const report = await checkDrift({
        redis,
        clickhouse,
        sample: config.drift.sample,
        watermarkKey: watermarkKeyOf(config),
        keys: cacheKeysOf(config),
      });
      metrics.recordDrift(report);
      logger[report.drifted > 0 ? 'warn' : 'info'](
        { sampled: report.sampled, drifted: report.drifted, details: report.details.slice(0, 10) },
        'metrics.drift.checked',
      );
    } catch (err) {
      logger.warn({ err }, 'metrics.drift.failed');
    } finally {
      checking = false;
    }
  };
  return {
    name: 'drift-check',
    start: () => {
      timer = setInterval(check, config.drift.intervalMs);
    },
    stop: () => clearInterval(timer),
  };
}
