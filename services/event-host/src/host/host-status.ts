import { metricGroupOf, type PipelineStats } from '@engagement/event-bus/kafka';
import type { HostConfig } from '../config/host-config.js';
import { shownSettings } from '../config/mask-secrets.js';
import type { Readiness } from '../http/readiness.js';
import { type LagByTopic, lagByTopic } from '../metrics/lag-by-topic.js';
import type { PartitionLag } from '../metrics/partition-lag.js';
import type { ReplicationSlotState } from '../metrics/replication-slots.js';
import type { RollupStatus } from '../metrics/rollup-activity.js';
import type { DeadLetterCount, FlushSample, SinkActivity, SinkHealth } from '../metrics/sink-activity.js';
import type { StatusHistory, StatusSample } from '../metrics/status-history.js';
import { type TopListeners, topListeners } from '../metrics/top-listeners.js';
import type { LoadedPluginPackage } from '../plugins/load-plugins.js';
import type { PeriodicReconcileStatus } from '../reconcile/periodic-reconcile.js';

/** search-sync's own health, when the host runs it (it drains the search queue into Meilisearch). */
export interface SearchSyncHealth {
  lastSuccessAt: number | null;
  failures: number;
  consecutiveFailures: number;
  /** Ids waiting in every search queue (metric refreshes and feed documents). */
  queued: number;
  /** Why the last flush failed (masked, shortened), or null when it did not fail. */
  lastError: string | null;
}

/** What the status page shows (served as /status.json). */
export interface HostStatus {
  clientId: string;
  groupId: string;
  /** The group the metric topic is read in (metricGroupOf(groupId)). */
  metricGroupId: string;
  /** The resolved settings by path, secrets masked. */
  settings: Record<string, unknown>;
  plugins: { package: string; id: string; owner: string; listeners: string[] }[];
  readiness: Readiness;
  totals: PipelineStats;
  /** Changes/s over the last `windowSeconds` (`changesPerSecond`), as the charts and `npm start` show. */
  rates: { windowSeconds: number; consumedPerSecond: number };
  /** Lag per assigned partition. */
  lag: readonly PartitionLag[];
  lagByTopic: LagByTopic;
  listeners: TopListeners;
  deadLettersBy: DeadLetterCount[];
  sinks: (SinkHealth & { searchSync?: SearchSyncHealth })[];
  buffer: { rows: number; capacityRows: number; flushRows: number; flushIntervalMs: number };
  /** Recent ClickHouse flushes (buffer to ClickHouse, publish, commit), oldest first. */
  flushes: readonly FlushSample[];
  /** Postgres replication slots and the WAL each retains; null when unknown (no Postgres URL, or a failed read). */
  replicationSlots: readonly ReplicationSlotState[] | null;
  /** The periodic sampled reconcile (`reconcile.enabled`), or `configured: false` when it is off. */
  reconcile: { configured: false } | PeriodicReconcileStatus;
  /** The read rollup as this host saw it: its rolls, compactions and the daily table's parts. */
  rollup: RollupStatus;
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
  activity: SinkActivity;
  listenerPlugins: ReadonlyMap<string, string>;
  buffer: { rows: number; capacityRows: number };
  searchSync?: SearchSyncHealth;
  replicationSlots?: readonly ReplicationSlotState[];
  reconcile?: PeriodicReconcileStatus;
  rollup: RollupStatus;
}): HostStatus {
  const latest = input.history.latest;
  return {
    clientId: input.config.kafka.clientId,
    groupId: input.config.kafka.groupId,
    metricGroupId: metricGroupOf(input.config.kafka.groupId),
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
    rates: { windowSeconds: input.history.windowSeconds, consumedPerSecond: latest?.consumedPerSecond ?? 0 },
    lag: input.lag,
    lagByTopic: lagByTopic(input.lag),
    listeners: topListeners({
      listenerPlugins: input.listenerPlugins,
      perListener: input.stats.perListener,
      perSecond: latest?.handledPerSecond ?? {},
    }),
    deadLettersBy: input.activity.deadLetters,
    sinks: input.activity.health.map((h) =>
      h.sink === 'search' && input.searchSync ? { ...h, searchSync: input.searchSync } : h,
    ),
    buffer: {
      ...input.buffer,
      flushRows: input.config.batch.flushRows,
      flushIntervalMs: input.config.batch.flushIntervalMs,
    },
    flushes: input.activity.flushes,
    replicationSlots: input.replicationSlots ?? null,
    reconcile: input.reconcile ?? { configured: false },
    rollup: input.rollup,
    samples: input.history.all,
  };
}
