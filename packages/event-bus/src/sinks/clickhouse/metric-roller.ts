import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '@engagement/plugin-api';
import type { InstrumentationEvent, RollupOutcome } from '../../runtime/instrumentation.js';
import { type CompactOptions, compactRollup } from './metric-compaction.js';
import { type RollOptions, type RollResult, rollMetricEvents } from './metric-rollup.js';
import { activeParts } from './roll-state.js';
import { rollupTables } from './rollup-schema.js';

/**
 * How often the read rollup rolls (`false`: never; reads then use the event table until someone rolls), and
 * after how many committed rolls this process compacts it (`compactEvery`, 0: never).
 */
export type RollupSchedule = (CompactOptions & { intervalMs?: number; compactEvery?: number }) | false;

/**
 * Default roll interval: `EVENT_BUS_ROLLUP_INTERVAL_MS`, else 60 s. Each roll reads only the events since
 * the previous one and writes one daily row per entity, metric and day it touched.
 */
export function defaultRollIntervalMs(): number {
  const fromEnv = Number(process.env.EVENT_BUS_ROLLUP_INTERVAL_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 60_000;
}

/**
 * Default compaction cadence: `EVENT_BUS_ROLLUP_COMPACT_EVERY` committed rolls, else 60 (hourly at the default
 * interval). Each compaction folds the days where some entity has more than one row (metric-compaction.ts).
 */
export function defaultCompactEvery(): number {
  const fromEnv = Number(process.env.EVENT_BUS_ROLLUP_COMPACT_EVERY);
  return process.env.EVENT_BUS_ROLLUP_COMPACT_EVERY && Number.isInteger(fromEnv) && fromEnv >= 0
    ? fromEnv
    : 60;
}

/**
 * Runs `rollMetricEvents` on a timer, one roll at a time, and `compactRollup` after every `compactEvery`
 * committed rolls, in the same turn. Several instances may roll the same table: a roll or compaction that
 * loses a race does not commit and its rows stay excluded (metric-rollup.ts), so it only wastes work.
 */
export class MetricRoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  /** Rolls committed by this process (for tests and the status page). */
  committed = 0;
  /** Compactions committed by this process. */
  compacted = 0;
  private sinceCompaction = 0;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly options: CompactOptions & { intervalMs?: number; compactEvery?: number } = {},
    private readonly logger?: Logger,
    /** Told how every roll and compaction ended (`rollup.rolled`, `rollup.compacted`), for the host's series. */
    private readonly report?: (event: InstrumentationEvent) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    const intervalMs = this.options.intervalMs ?? defaultRollIntervalMs();
    // Every host of a fleet rolls the same table. A timer's roll steps aside when another host's began less
    // than half an interval ago, so the fleet rolls about once an interval, not once per host: fewer rolls
    // to race and lose, fewer daily rows for busy entities, and (counted per host) compactions about as
    // often as with one host.
    const options = { ...this.options, minGapMs: this.options.minGapMs ?? intervalMs / 2 };
    this.timer = setInterval(() => void this.rollNow(options), intervalMs);
    this.timer.unref();
  }

  /** One roll now (or the one already running); by default whenever the head began. */
  async rollNow(options: RollOptions = this.options): Promise<RollResult | undefined> {
    if (this.running) return undefined;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const run = rollMetricEvents(this.client, options).then(
      async (result) => {
        if (result.committed) this.committed++;
        this.logger?.debug({ ...result, seconds: seconds() }, 'sink.clickhouse.rollup.rolled');
        this.report?.({ type: 'rollup.rolled', outcome: outcomeOf(result), seconds: seconds() });
        if (result.committed) {
          await this.compactWhenDue();
          await this.reportParts();
        }
        return result;
      },
      (err) => {
        this.logger?.warn({ err }, 'sink.clickhouse.rollup.failed');
        this.report?.({ type: 'rollup.rolled', outcome: 'failed', seconds: seconds() });
        return undefined;
      },
    );
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = undefined;
    }
  }

  /** After every `compactEvery` committed rolls, a compaction (one that loses a race is tried after the next roll). */
  private async compactWhenDue(): Promise<void> {
    const every = this.options.compactEvery ?? defaultCompactEvery();
    if (every <= 0 || ++this.sinceCompaction < every) return;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const result = await compactRollup(this.client, this.options);
      if (result.committed) this.compacted++;
      if (result.committed || result.gen === 0) this.sinceCompaction = 0;
      const days = result.days.length;
      this.logger?.debug(
        { ...result, days, swept: result.swept.length, seconds: seconds() },
        'sink.clickhouse.rollup.compacted',
      );
      this.report?.({ type: 'rollup.compacted', outcome: outcomeOf(result), seconds: seconds(), days });
    } catch (err) {
      this.logger?.warn({ err }, 'sink.clickhouse.rollup.compaction_failed');
      this.report?.({ type: 'rollup.compacted', outcome: 'failed', seconds: seconds(), days: 0 });
    }
  }

  /**
   * The daily table's active parts, for the host's gauge: a miss reads a granule of every part for each id,
   * so its cost follows them (docs/operations.md, EventHostRollupParts). Metadata only; a failure is logged.
   */
  private async reportParts(): Promise<void> {
    if (!this.report) return;
    try {
      const daily = await activeParts(this.client, rollupTables(this.options.table).daily);
      this.report({ type: 'rollup.parts', daily });
    } catch (err) {
      this.logger?.warn({ err }, 'sink.clickhouse.rollup.parts_failed');
    }
  }

  /** Stops the timer and waits for a roll in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

/** A roll or compaction that did not commit either found nothing to do (no gen taken) or lost a race. */
function outcomeOf(result: { committed: boolean; gen: number }): RollupOutcome {
  return result.committed ? 'committed' : result.gen === 0 ? 'idle' : 'lost';
}
