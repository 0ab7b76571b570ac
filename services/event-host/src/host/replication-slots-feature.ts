import { createToken } from '@engagement/plugin-api';
import { ReplicationSlotMonitor } from '../metrics/replication-slots.js';
import type { HostScope } from './host-scope.js';
import type { HostFeature } from './lifecycle.js';

export const replicationSlotsToken = createToken<ReplicationSlotMonitor>('host.replicationSlots');

/**
 * Reads the retained WAL of the replication slots (Debezium's) every 15 s once the host runs: what fills
 * the primary's disk when CDC stalls. Only with `postgres.url`; its pool closes with the host's resources.
 */
export function replicationSlotsFeature({ config, logger, container }: HostScope): HostFeature {
  const slots = container.provide(
    replicationSlotsToken,
    new ReplicationSlotMonitor(config.postgres.url!, logger.child({ component: 'replication-slots' })),
    (monitor) => monitor.close(),
  );
  return { name: 'replication-slots', start: () => slots.start() };
}
