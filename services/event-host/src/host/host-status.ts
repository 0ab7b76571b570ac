import type { PipelineStats } from '@engagement/event-bus/kafka';
import type { HostConfig } from '../config/host-config.js';
import { shownSettings } from '../config/mask-secrets.js';
import type { PartitionLag } from '../metrics/partition-lag.js';
import type { StatusHistory, StatusSample } from '../metrics/status-history.js';
import type { LoadedPluginPackage } from '../plugins/load-plugins.js';
import type { Readiness } from './readiness.js';

/** What the status page shows (served as /status.json). */
export interface HostStatus {
  clientId: string;
  groupId: string;
  /** The resolved settings by path, secrets masked. */
  settings: Record<string, unknown>;
  plugins: { package: string; id: string; owner: string; listeners: string[] }[];
  readiness: Readiness;
  totals: PipelineStats;
  lag: readonly PartitionLag[];
  samples: readonly StatusSample[];
}

/** Assembles the status document. */
export function statusOf(input: {
  config: HostConfig;
  packages: readonly LoadedPluginPackage[];
  history: StatusHistory;
  lag: readonly PartitionLag[];
  stats: PipelineStats;
  readiness: Readiness;
}): HostStatus {
  return {
    clientId: input.config.kafka.clientId,
    groupId: input.config.kafka.groupId,
    settings: shownSettings(input.config),
    plugins: input.packages.flatMap((pkg) =>
      pkg.plugins.map((p) => ({
        package: pkg.packageName,
        id: p.id,
        owner: p.owner,
        listeners: p.listeners.map((l) => l.id),
      })),
    ),
    readiness: input.readiness,
    totals: input.stats,
    lag: input.lag,
    samples: input.history.all,
  };
}
