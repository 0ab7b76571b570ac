import { createToken } from '@engagement/plugin-api';
import { StatusHistory } from '../metrics/status-history.js';
import { type HostScope, hostTokens } from './host-scope.js';
import { kafkaMonitorToken } from './kafka-monitor-feature.js';
import type { HostFeature } from './lifecycle.js';

/** Once a second: the rates and totals the status page charts, and whether the host is stalled. */
export interface HostSampler {
  readonly history: StatusHistory;
  /** Records wait and no position moved for `readiness.stallAfterMs` (as of the last sample). */
  readonly stalled: boolean;
}

export const samplerToken = createToken<HostSampler>('host.sampler');

/** Samples the pipeline every second once the host runs. Needs the pipeline and the Kafka monitor. */
export function samplerFeature({ container }: HostScope): HostFeature {
  const pipeline = container.get(hostTokens.pipeline);
  const { lag } = container.get(kafkaMonitorToken);
  const sampler = { history: new StatusHistory(), stalled: false };
  container.provide(samplerToken, sampler);
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'sampler',
    start: () => {
      timer = setInterval(() => {
        sampler.stalled = lag.stalled();
        sampler.history.record(
          pipeline.stats,
          lag.lag().reduce((n, p) => n + (p.lag ?? 0), 0),
          pipeline.ingest.bufferedRows,
        );
      }, 1_000);
    },
    stop: () => clearInterval(timer),
  };
}
