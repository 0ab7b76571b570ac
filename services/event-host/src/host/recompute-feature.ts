import { createToken } from '@engagement/plugin-api';
import { HostRecompute } from '../recompute/host-recompute.js';
import { type HostScope, hostTokens } from './host-scope.js';
import type { HostFeature } from './lifecycle.js';

export const recomputeToken = createToken<HostRecompute>('host.recompute');

/**
 * Recompute on touch: the metrics listeners touch are recomputed from the source by one host of the group.
 * It starts once the host runs; a failed start is logged (touched metrics then drift) and does not stop
 * the host. Its stop ends a pass in progress and closes its own clients. Needs the plugins and clients.
 */
export function recomputeFeature({ config, logger, container }: HostScope): HostFeature {
  const recompute = container.provide(
    recomputeToken,
    new HostRecompute(
      config,
      container.get(hostTokens.plugins).packages.flatMap((p) => p.plugins),
      container.get(hostTokens.clickhouse),
      container.get(hostTokens.redis),
      logger.child({ component: 'recompute' }),
      container.get(hostTokens.instrumentation),
    ),
  );
  return {
    name: 'recompute',
    start: () =>
      recompute
        .start()
        .catch((err) => logger.error({ err }, 'recompute.start.failed: touched metrics will drift')),
    stop: () => recompute.stop(),
  };
}
