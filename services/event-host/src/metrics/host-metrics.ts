import { createRequire } from 'node:module';
import type { PipelineObserver, PipelineSink, PipelineStats } from '@engagement/event-bus/kafka';
import type { SearchSyncStats } from '@engagement/search-sync';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RecomputeStats } from '../recompute/recomputer.js';
import type { PartitionLag } from './partition-lag.js';
import { ReconcileGauges } from './reconcile-gauges.js';
import type { ReplicationSlotState } from './replication-slots.js';

/** What the metrics read from a running host at scrape time. */
export interface MetricsSource {
  stats(): PipelineStats;
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
  recompute?(): { stats: RecomputeStats | undefined; pending(): Promise<Record<string, number>> };
  /** Build labels; by default the package version, Node's version and `GIT_COMMIT` when set. */
  build?: { version: string; node: string; commit?: string };
}

const PREFIX = 'eventhost_';

/** The code of every listener's dead letters (`ListenerError`). */
const LISTENER_DEAD_LETTER_CODE = 'EB_LISTENER_FAILED';
/** The codes of records that could not be decoded (`DecodeErrorCode`), dead-lettered as listener `none`. */
const DECODE_DEAD_LETTER_CODES = [
  'EB_DECODE_INVALID_JSON',
  'EB_DECODE_UNKNOWN_SHAPE',
  'EB_DECODE_UNKNOWN_OP',
  'EB_DECODE_UNKNOWN_TOPIC',
  'EB_DECODE_BAD_VALUE',
] as const;
const SINKS: readonly PipelineSink[] = ['clickhouse', 'redis', 'search'];

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
 * Running totals are read from the pipeline's stats at scrape time; batch sizes, flush durations and dead
 * letters arrive through the pipeline observer as they happen. Names carry their units.
 */
export class HostMetrics {
  readonly registry = new Registry();
  private readonly seen = new Map<string, number>();
  private readonly batchRows: Histogram<'sink'>;
  private readonly flushSeconds: Histogram<'sink'>;
  private readonly deadLetters: Counter<'listener' | 'code'>;
  private readonly driftEntities: Gauge<'kind'>;
  private readonly driftRatio: Gauge;
  private readonly driftCheckedAt: Gauge;
  /** The periodic reconcile's series (`eventhost_reconcile_*`). */
  readonly reconcile: ReconcileGauges;

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    this.reconcile = new ReconcileGauges(registers, PREFIX);
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    const total = (name: string, help: string, read: (s: PipelineStats) => number) =>
      new Counter({
        name: PREFIX + name,
        help,
        registers,
        collect: () => this.advance(this.counter(name), name, read(source.stats())),
      });
    total('events_consumed_total', 'Records read from source topics', (s) => s.consumed);
    total(
      'events_skipped_total',
      'Records that are no change (heartbeats, tombstones, snapshots)',
      (s) => s.skipped,
    );
    total(
      'resends_skipped_total',
      'Changes dropped before listeners ran because their source published them again at a new offset',
      (s) => s.resendsSkipped,
    );
    total(
      'metric_events_stored_total',
      'Entity metric events inserted into ClickHouse',
      (s) => s.metricEventsStored,
    );
    total(
      'cache_events_applied_total',
      'Metric events applied to the Redis cache',
      (s) => s.cacheEventsApplied,
    );
    total(
      'cache_events_skipped_total',
      'Metric events the cache skipped as replays',
      (s) => s.cacheEventsSkipped,
    );
    total('cache_keys_updated_total', 'Cached metric hashes incremented', (s) => s.cacheKeysUpdated);
    total(
      'recompute_touches_queued_total',
      'Entities listeners touched for recompute (distinct per flush), queued after their flush was stored',
      (s) => s.touchesQueued,
    );
    total(
      'cache_rollbacks_detected_total',
      'Times Redis held an older metric-topic position than it had applied (lost writes); the partition was read again from there',
      (s) => s.cacheRollbacks,
    );

    const perListener = (
      name: string,
      help: string,
      read: (l: PipelineStats['perListener'][string]) => number,
    ) =>
      new Counter({
        name: PREFIX + name,
        help,
        labelNames: ['plugin', 'listener'],
        registers,
        collect: () => {
          const stats = source.stats().perListener;
          // Every loaded listener has a series from the first scrape on, at 0 until it runs.
          for (const [id, plugin] of source.listenerPlugins) {
            const l = stats[id] ?? { ok: 0, retried: 0, failed: 0, seconds: 0 };
            this.advance(this.counter(name), `${name}:${id}`, read(l), { plugin, listener: id });
          }
        },
      });
    perListener('listener_events_handled_total', 'Changes a listener handled', (l) => l.ok);
    perListener(
      'listener_events_failed_total',
      'Changes a listener failed for good (dead-lettered)',
      (l) => l.failed,
    );
    perListener('listener_retries_total', 'Listener attempts that failed and were retried', (l) => l.retried);
    perListener('listener_handle_seconds_total', 'Time spent in listener handlers', (l) => l.seconds);

    this.batchRows = new Histogram({
      name: `${PREFIX}sink_batch_rows`,
      help: 'Rows per sink batch (ClickHouse flush, Redis apply, search enqueue)',
      labelNames: ['sink'],
      buckets: [1, 10, 100, 1_000, 5_000, 10_000, 50_000, 100_000],
      registers,
    });
    this.flushSeconds = new Histogram({
      name: `${PREFIX}sink_flush_duration_seconds`,
      help: 'Duration of one sink batch (a ClickHouse flush includes publishing and the offset commit)',
      labelNames: ['sink'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.deadLetters = new Counter({
      name: `${PREFIX}dead_letters_total`,
      help: 'Records written to the dead-letter topic, by failing listener (none: undecodable) and code',
      labelNames: ['listener', 'code'],
      registers,
    });
    // Every series an alert watches exists at 0 from boot: `increase(...[10m]) > 0` then fires on the first
    // letter (a series born at 1 has no earlier sample to increase from).
    for (const listener of source.listenerPlugins.keys())
      this.deadLetters.inc({ listener, code: LISTENER_DEAD_LETTER_CODE }, 0);
    for (const code of DECODE_DEAD_LETTER_CODES) this.deadLetters.inc({ listener: 'none', code }, 0);
    for (const sink of SINKS) {
      this.batchRows.zero({ sink });
      this.flushSeconds.zero({ sink });
    }
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
      help: '1 while a sink accepts work (search: only when this host runs search-sync; 0 after a failed flush)',
      labelNames: ['sink'],
      registers,
      collect: async () => {
        const h = source.sinksHealthy();
        this.gauge('sink_up').set({ sink: 'clickhouse' }, +h.clickhouse);
        this.gauge('sink_up').set({ sink: 'redis' }, +h.redis);
        if (search)
          this.gauge('sink_up').set({ sink: 'search' }, +((await search()).consecutiveFailures === 0));
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
    this.recomputeMetrics(source.recompute ?? (() => ({ stats: undefined, pending: async () => ({}) })));
    if (search) this.searchMetrics(search);
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

  /** Recompute on touch: what waits, what was recomputed and corrected, and passes that must be retried. */
  private recomputeMetrics(read: NonNullable<MetricsSource['recompute']>): void {
    const registers = [this.registry];
    const fromStats = (name: string, help: string, pick: (s: RecomputeStats) => number) =>
      new Counter({
        name: PREFIX + name,
        help,
        registers,
        collect: () => {
          const stats = read().stats;
          this.advance(this.counter(name), name, stats ? pick(stats) : 0);
        },
      });
    fromStats(
      'recompute_entities_total',
      'Touched entities recomputed from the source (this host as leader)',
      (s) => s.recomputed,
    );
    fromStats(
      'recompute_corrections_total',
      'Corrections recompute wrote (stored minus truth, per group)',
      (s) => s.corrections,
    );
    fromStats(
      'recompute_failures_total',
      'Recompute passes that failed or were not caught up in time; their touches stay queued',
      (s) => s.failures + s.notCaughtUp,
    );
    new Gauge({
      name: `${PREFIX}recompute_leader`,
      help: '1 while this host holds the recompute lease',
      registers,
      collect: () => this.gauge('recompute_leader').set(+(read().stats?.leader ?? false)),
    });
    new Gauge({
      name: `${PREFIX}recompute_touches_pending`,
      help: 'Touched entities waiting to be recomputed, per entity type (no series until the recomputer runs)',
      labelNames: ['entity_type'],
      registers,
      collect: async () => {
        const g = this.gauge('recompute_touches_pending');
        const pending = await read()
          .pending()
          .catch(() => undefined);
        g.reset();
        for (const [type, n] of Object.entries(pending ?? {})) g.set({ entity_type: type }, n);
      },
    });
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

  /** search-sync: queue sizes, flushes and failures, and when a flush last succeeded. */
  private searchMetrics(read: () => Promise<SearchSyncStats>): void {
    const registers = [this.registry];
    new Gauge({
      name: `${PREFIX}search_queued_ids`,
      help: 'Entity ids waiting for the next search-sync flush, per queue (metrics or feed) and entity type',
      labelNames: ['queue', 'entity_type'],
      registers,
      collect: async () => {
        const g = this.gauge('search_queued_ids');
        const { queued } = await read();
        g.reset();
        for (const [queue, sizes] of Object.entries(queued))
          for (const [type, n] of Object.entries(sizes)) g.set({ queue, entity_type: type }, n);
        // Each indexed entity type has a series, at 0 when its queue is empty.
        for (const type of ['Image', 'Post', 'Model'])
          if (queued.metrics[type] === undefined) g.set({ queue: 'metrics', entity_type: type }, 0);
      },
    });
    const total = (name: string, help: string, value: (s: SearchSyncStats) => number) =>
      new Counter({
        name: PREFIX + name,
        help,
        registers,
        collect: async () => this.advance(this.counter(name), name, value(await read())),
      });
    total('search_flushes_total', 'search-sync flushes that completed', (s) => s.flushes);
    total(
      'search_flush_failures_total',
      'search-sync flushes that failed (ids stay queued)',
      (s) => s.failures,
    );
    new Gauge({
      name: `${PREFIX}search_last_success_timestamp_seconds`,
      help: 'When a search-sync flush last succeeded (0: not since start)',
      registers,
      collect: async () => {
        const at = (await read()).lastSuccessAt;
        this.gauge('search_last_success_timestamp_seconds').set(at ? at.getTime() / 1000 : 0);
      },
    });
  }

  /** Feeds batch and dead-letter observations from the pipeline into the histograms. */
  readonly observer: PipelineObserver = {
    sinkBatch: (sink, rows, seconds) => {
      this.batchRows.observe({ sink }, rows);
      this.flushSeconds.observe({ sink }, seconds);
    },
    deadLetter: (reason) =>
      this.deadLetters.inc({ listener: reason.listenerId ?? 'none', code: reason.code }),
  };

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

  private counter(name: string): Counter<string> {
    return this.registry.getSingleMetric(PREFIX + name) as Counter<string>;
  }

  private gauge(name: string): Gauge<string> {
    return this.registry.getSingleMetric(PREFIX + name) as Gauge<string>;
  }

  /** Counters mirror running totals: add what grew since the last scrape. */
  private advance(c: Counter<string>, key: string, value: number, labels?: Record<string, string>): void {
    const delta = value - (this.seen.get(key) ?? 0);
    if (delta < 0 || (delta === 0 && this.seen.has(key))) return;
    this.seen.set(key, value);
    if (labels) c.inc(labels, delta);
    else c.inc(delta);
  }
}

/** Calls `read` once for all callers that ask while a call is pending; the next caller after it settles reads anew. */
function sharedWhileInFlight<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= read().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
