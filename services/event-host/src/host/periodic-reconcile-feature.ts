import { createToken } from '@engagement/plugin-api';
import { PeriodicReconcile } from '../reconcile/periodic-reconcile.js';
import { type HostScope, hostTokens } from './host-scope.js';
import { kafkaMonitorToken } from './kafka-monitor-feature.js';
import type { HostFeature } from './lifecycle.js';

export const periodicReconcileToken = createToken<PeriodicReconcile>('host.periodicReconcile');

/**
 * The periodic sampled reconcile (`reconcile.enabled`), scheduled once the host runs; its stop ends a run
 * in progress, releases the lease and closes its clients. Needs the plugins, clients, Kafka monitor and metrics.
 */
export function periodicReconcileFeature({ config, logger, container }: HostScope): HostFeature {
  const reconcile = container.provide(
    periodicReconcileToken,
    new PeriodicReconcile({
      config,
      plugins: container.get(hostTokens.plugins).packages.flatMap((p) => p.plugins),
      clickhouse: container.get(hostTokens.clickhouse),
      redis: container.get(hostTokens.redis),
      admin: container.get(kafkaMonitorToken).admin,
      logger: logger.child({ component: 'reconcile' }),
      gauges: container.get(hostTokens.metrics).reconcile,
    }),
  );
  return { name: 'periodic-reconcile', start: () => reconcile.start(), stop: () => reconcile.stop() };
}
