import { createRequire } from 'node:module';
import type { InstrumentationSource } from '@engagement/event-bus/runtime';
import type { SearchSyncStats } from '@engagement/search-sync';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { PartitionLag } from './partition-lag.js';
import { pipelineCounters } from './pipeline-counters.js';
import { type RecomputeReading, recomputeMetrics } from './recompute-metrics.js';
import { ReconcileGauges } from './reconcile-gauges.js';
import type { ReplicationSlotState } from './replication-slots.js';
import { searchMetrics, sharedWhileInFlight } from './search-metrics.js';

/** What the metrics are fed by: the pipeline's instrumentation events, and what they read at scrape time. */
export interface MetricsSource {
  /** The pipeline's, the recomputer's and search-sync's events, which increment the counters. */
  instrumentation: InstrumentationSource;
  /** Listener id → plugin id. */
  listenerPlugins: ReadonlyMap<string, string>;
  bufferedRows(): number;
  bufferCapacityRows: number;
  lag(): readonly PartitionLag[];
  consumer(): { joined: boolean; paused: boolean };
  sinksHealthy(): { clickhouse: boolean; redis: boolean };
  ready(): boolean;
  /** search-sync's figures, when the host runs it. */
  search?(): Promise<SearchSyncStats>;
  /** The last reading of Postgres' replication slots, when `postgres.url` is set (undefined: none or failed). */
  replicationSlots?(): readonly ReplicationSlotState[] | undefined;
  /** The recomputer's figures: its totals (undefined until it runs) and the touches waiting per entity type. */
  recompute?: RecomputeReading;
  /** Build labels; by default the package version, Node's version and `GIT_COMMIT` when set. */
  build?: { version: string; node: string; commit?: string };
}

const PREFIX = 'eventhost_';

/** The host's version (package.json; src/ and dist/ are at the same depth) and Node's, and the commit if known. */
export function buildLabels(env: Record<string, string | undefined> = process.env): {
  version: string;
  node: string;
  commit?: string;
} {
  const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
  const commit = env.GIT_COMMIT?.trim();
  return { version, node: process.version, ...(commit ? { commit } : {}) };
}

/**
 * The host's Prometheus metrics, in a registry of its own (two hosts in one process do not collide).
 * Counters of what the pipeline does are incremented by its instrumentation events as they happen; gauges
 * of sampled state (lag, buffers, consumer and sink flags, queues, leases) are read at scrape time. Names
 * carry their units.
 */
export class HostMetrics {
  readonly registry = new Registry();
  private readonly driftEntities: Gauge<'kind'>;
  private readonly driftRatio: Gauge;
  private readonly driftCheckedAt: Gauge;
  /** The periodic reconcile's series (`eventhost_reconcile_*`). */
  readonly reconcile: ReconcileGauges;
  /** Stops the counters from following the instrumentation events. */
  readonly unsubscribe: () => void;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    this.reconcile = new ReconcileGauges(registers, PREFIX);
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    const follows = [pipelineCounters(registers, PREFIX, source.instrumentation, source.listenerPlugins)];
    this.unsubscribe = () => {
      for (const stop of follows) stop();
    };
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name: PREFIX + name, help, registers, collect: () => this.gauge(name).set(read()) });
    gauge('ingest_buffer_rows', 'Metric events buffered for the next ClickHouse flush', () =>
      source.bufferedRows(),
    );
    gauge('ingest_buffer_capacity_rows', 'Bound of the ingest buffer', () => source.bufferCapacityRows);
    gauge(
      'consumer_joined',
      '1 while the consumer is a member of its group',
      () => +source.consumer().joined,
    );
    gauge('consumer_paused', '1 while fetching is paused by backpressure', () => +source.consumer().paused);
    gauge('ready', '1 while /readyz reports ready', () => +source.ready());
    new Gauge({
      name: `${PREFIX}consumer_lag_messages`,
      help: 'Records between the end of a partition and what this host processed, per assigned partition (no series while unknown)',
      labelNames: ['topic', 'partition'],
      registers,
      collect: () => {
        const g = this.gauge('consumer_lag_messages');
        g.reset();
        for (const p of source.lag())
          if (p.lag !== null) g.set({ topic: p.topic, partition: String(p.partition) }, p.lag);
      },
    });
    const search = source.search && sharedWhileInFlight(source.search);
    new Gauge({
      name: `${PREFIX}sink_up`,
      help: '1 while a sink accepts work (search: only when this host runs search-sync; 0 after its failed flush, until a flush of this or another host succeeds)',
      labelNames: ['sink'],
      registers,
      collect: async () => {
        const h = source.sinksHealthy();
        this.gauge('sink_up').set({ sink: 'clickhouse' }, +h.clickhouse);
        this.gauge('sink_up').set({ sink: 'redis' }, +h.redis);
        if (search) {
          const failures = await search().then(
            (stats) => stats.consecutiveFailures,
            () => 1,
          );
          this.gauge('sink_up').set({ sink: 'search' }, +(failures === 0));
        }
      },
    });
    const build = source.build ?? buildLabels();
    new Gauge({
      name: `${PREFIX}build_info`,
      help: 'Always 1; the labels say which build runs (commit: GIT_COMMIT, when set)',
      labelNames: ['version', 'node', 'commit'],
      registers,
    }).set(build, 1);
    if (source.replicationSlots) this.replicationSlotMetrics(source.replicationSlots);
    // Registered on every host, so alerts on them are evaluated everywhere (zero and empty without a recomputer).
    follows.push(
      recomputeMetrics(
        registers,
        PREFIX,
        source.instrumentation,
        source.recompute ?? (() => ({ stats: undefined, pending: async () => ({}) })),
      ),
    );
    if (search) follows.push(searchMetrics(registers, PREFIX, source.instrumentation, search));
    this.driftEntities = new Gauge({
      name: `${PREFIX}metric_drift_entities`,
      help: 'Cached metric hashes in the last drift check: kind=sampled, or kind=drifted (differ from ClickHouse)',
      labelNames: ['kind'],
      registers,
    });
    this.driftRatio = new Gauge({
      name: `${PREFIX}metric_drift_ratio`,
      help: 'Drifted / sampled cached hashes in the last drift check',
      registers,
    });
    this.driftCheckedAt = new Gauge({
      name: `${PREFIX}metric_drift_last_check_timestamp_seconds`,
      help: 'When the last drift check finished (0: none since start; the drift gauges read 0 until then)',
      registers,
    });
    // The drift gauges exist from boot, so an alert on them is evaluated (and can be tested) before a check.
    this.driftEntities.set({ kind: 'sampled' }, 0);
    this.driftEntities.set({ kind: 'drifted' }, 0);
    this.driftRatio.set(0);
    this.driftCheckedAt.set(0);
  }

  /** Postgres replication slots: WAL retained for each, and whether a consumer is attached. */
  private replicationSlotMetrics(read: () => readonly ReplicationSlotState[] | undefined): void {
    const registers = [this.registry];
    // Reset on every scrape: a slot that was dropped, or a failed read, leaves no stale series behind.
    new Gauge({
      name: `${PREFIX}replication_slot_retained_bytes`,
      help: 'WAL bytes the Postgres primary retains for a replication slot (current WAL LSN - restart_lsn)',
      labelNames: ['slot'],
      registers,
      collect: () => {
        const g = this.gauge('replication_slot_retained_bytes');
        g.reset();
        for (const s of read() ?? []) if (s.retainedBytes !== null) g.set({ slot: s.slot }, s.retainedBytes);
      },
    });
    new Gauge({
      name: `${PREFIX}replication_slot_active`,
      help: '1 while a consumer (Debezium) is attached to the Postgres replication slot',
      labelNames: ['slot'],
      registers,
      collect: () => {
        const g = this.gauge('replication_slot_active');
        g.reset();
        for (const s of read() ?? []) g.set({ slot: s.slot }, +s.active);
      },
    });
  }

  /** Records the outcome of a drift check. */
  recordDrift(report: { sampled: number; drifted: number; ratio: number }): void {
    this.driftEntities.set({ kind: 'sampled' }, report.sampled);
    this.driftEntities.set({ kind: 'drifted' }, report.drifted);
    this.driftRatio.set(report.ratio);
    this.driftCheckedAt.set(Date.now() / 1000);
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  private gauge(name: string): Gauge<string> {
    return this.registry.getSingleMetric(PREFIX + name) as Gauge<string>;
  }
}
