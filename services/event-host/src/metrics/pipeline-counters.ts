import type {
  InstrumentationEvent,
  InstrumentationSource,
  PipelineSink,
  RollupOutcome,
} from '@engagement/event-bus/runtime';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

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
const ROLLUP_OUTCOMES: readonly RollupOutcome[] = ['committed', 'lost', 'idle', 'failed'];

type Labelled = Counter<'plugin' | 'listener'>;

/**
 * The pipeline's counters and batch histograms, incremented by the instrumentation events as the pipeline
 * emits them (each event once, by the amount it carries): nothing here is read back from running totals,
 * so a pipeline rebuilt in the same process adds to the same series. Returns the unsubscribe function.
 */
export function pipelineCounters(
  registers: Registry[],
  prefix: string,
  instrumentation: InstrumentationSource,
  /** Listener id → plugin id; listeners outside it have no series. */
  listenerPlugins: ReadonlyMap<string, string>,
): () => void {
  const total = (name: string, help: string) => new Counter({ name: prefix + name, help, registers });
  const consumed = total('events_consumed_total', 'Records read from source topics');
  const skipped = total(
    'events_skipped_total',
    'Records that are no change (heartbeats, tombstones, snapshots)',
  );
  const resends = total(
    'resends_skipped_total',
    'Changes dropped before listeners ran because their source published them again at a new offset',
  );
  const stored = total('metric_events_stored_total', 'Entity metric events inserted into ClickHouse');
  const applied = total('cache_events_applied_total', 'Metric events applied to the Redis cache');
  const cacheSkipped = total('cache_events_skipped_total', 'Metric events the cache skipped as replays');
  const keys = total('cache_keys_updated_total', 'Cached metric hashes incremented');
  const touches = total(
    'recompute_touches_queued_total',
    'Entities listeners touched for recompute (distinct per flush), queued after their flush was stored',
  );
  const rollbacks = total(
    'cache_rollbacks_detected_total',
    'Times Redis held an older metric-topic position than it had applied (lost writes); the partition was read again from there',
  );

  const perListener = (name: string, help: string): Labelled =>
    new Counter({ name: prefix + name, help, labelNames: ['plugin', 'listener'], registers });
  const handled = perListener('listener_events_handled_total', 'Changes a listener handled');
  const failed = perListener(
    'listener_events_failed_total',
    'Changes a listener failed for good (dead-lettered)',
  );
  const retried = perListener('listener_retries_total', 'Listener attempts that failed and were retried');
  const seconds = perListener('listener_handle_seconds_total', 'Time spent in listener handlers');

  const batchRows = new Histogram({
    name: `${prefix}sink_batch_rows`,
    help: 'Rows per sink batch (ClickHouse flush, Redis apply, search enqueue)',
    labelNames: ['sink'],
    buckets: [1, 10, 100, 1_000, 5_000, 10_000, 50_000, 100_000],
    registers,
  });
  const flushSeconds = new Histogram({
    name: `${prefix}sink_flush_duration_seconds`,
    help: 'Duration of one sink batch (a ClickHouse flush includes publishing and the offset commit)',
    labelNames: ['sink'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const deadLetters = new Counter({
    name: `${prefix}dead_letters_total`,
    help: 'Records written to the dead-letter topic, by failing listener (none: undecodable) and code',
    labelNames: ['listener', 'code'],
    registers,
  });

  const rolls = new Counter({
    name: `${prefix}rollup_rolls_total`,
    help: 'Rolls of the read rollup by this host, by outcome (lost: another host committed first; idle: a migrated table waits out the insert margin)',
    labelNames: ['outcome'],
    registers,
  });
  const compactions = new Counter({
    name: `${prefix}rollup_compactions_total`,
    help: 'Compactions of the read rollup by this host, by outcome (idle: no day to fold)',
    labelNames: ['outcome'],
    registers,
  });
  const rollSeconds = new Histogram({
    name: `${prefix}rollup_roll_duration_seconds`,
    help: 'Duration of one roll of the read rollup, whatever its outcome',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1_800],
    registers,
  });
  const lastCommit = new Gauge({
    name: `${prefix}rollup_last_commit_timestamp_seconds`,
    help: "When this host last committed a roll of the read rollup (0: none yet); reads' open part grows until a roll commits",
    registers,
  });
  const dailyParts = new Gauge({
    name: `${prefix}rollup_daily_active_parts`,
    help: "Active parts of the read rollup's daily table after this host's last committed roll (0: none yet); a cache miss reads a granule of each part per entity",
    registers,
  });

  // Every listener has its series from the first scrape on, at 0 until it runs; every series an alert
  // watches exists at 0 from boot: `increase(...[10m]) > 0` then fires on the first letter (a series born
  // at 1 has no earlier sample to increase from).
  for (const [listener, plugin] of listenerPlugins) {
    for (const c of [handled, failed, retried, seconds]) c.inc({ plugin, listener }, 0);
    deadLetters.inc({ listener, code: LISTENER_DEAD_LETTER_CODE }, 0);
  }
  for (const code of DECODE_DEAD_LETTER_CODES) deadLetters.inc({ listener: 'none', code }, 0);
  for (const sink of SINKS) {
    batchRows.zero({ sink });
    flushSeconds.zero({ sink });
  }
  for (const outcome of ROLLUP_OUTCOMES) {
    rolls.inc({ outcome }, 0);
    compactions.inc({ outcome }, 0);
  }
  lastCommit.set(0);

  return instrumentation.subscribe((event: InstrumentationEvent) => {
    switch (event.type) {
      case 'ingest.batch.processed':
        consumed.inc(event.records);
        for (const [listener, run] of Object.entries(event.listenerRuns)) {
          const plugin = listenerPlugins.get(listener);
          if (plugin === undefined) continue;
          handled.inc({ plugin, listener }, run.ok);
          failed.inc({ plugin, listener }, run.failed);
          retried.inc({ plugin, listener }, run.retried);
          seconds.inc({ plugin, listener }, run.seconds);
        }
        return;
      case 'ingest.record.skipped':
        return skipped.inc();
      case 'ingest.resend.skipped':
        return resends.inc();
      case 'sink.clickhouse.stored':
        return stored.inc(event.rows);
      case 'sink.redis.applied':
        applied.inc(event.applied);
        cacheSkipped.inc(event.skipped);
        keys.inc(event.keysUpdated);
        return;
      case 'sink.batch':
        batchRows.observe({ sink: event.sink }, event.rows);
        flushSeconds.observe({ sink: event.sink }, event.seconds);
        return;
      case 'recompute.touches.queued':
        return touches.inc(event.count);
      case 'cache.rollback.detected':
        return rollbacks.inc();
      case 'dead_letter.written':
        return deadLetters.inc({ listener: event.listenerId ?? 'none', code: event.code });
      case 'rollup.rolled':
        rolls.inc({ outcome: event.outcome });
        rollSeconds.observe(event.seconds);
        if (event.outcome === 'committed') lastCommit.set(Date.now() / 1000);
        return;
      case 'rollup.compacted':
        return compactions.inc({ outcome: event.outcome });
      case 'rollup.parts':
        return dailyParts.set(event.daily);
    }
  });
}
