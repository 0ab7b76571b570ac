import type { PipelineStats } from '@engagement/event-bus/kafka';
import { changesPerSecond, RATE_WINDOW_SECONDS } from './rates.js';

/** One point of the status page's charts. */
export interface StatusSample {
  /** Epoch ms. */
  t: number;
  /** Source records consumed per second over the rate window (`changesPerSecond`). */
  consumedPerSecond: number;
  /** Changes handled per second over the rate window, per listener; listeners at 0 are left out. */
  handledPerSecond: Record<string, number>;
  /** Total lag over the assigned partitions. */
  lag: number;
  /** Dead letters written since the host started. */
  deadLetters: number;
  bufferedRows: number;
}

interface Totals {
  t: number;
  consumed: number;
  handled: Record<string, number>;
}

/**
 * A ring of recent samples (default: one per second for ten minutes) from which the status page draws
 * throughput, lag and dead letters. Rates are `changesPerSecond` of the running totals over
 * `RATE_WINDOW_SECONDS`, the same figure `/status.json` and `npm start` show.
 */
export class StatusHistory {
  private readonly samples: StatusSample[] = [];
  private readonly totals: Totals[] = [];

  constructor(
    private readonly capacity = 600,
    readonly windowSeconds = RATE_WINDOW_SECONDS,
  ) {}

  /** Adds a sample from the current totals. */
  record(stats: PipelineStats, lag: number, bufferedRows: number, now = Date.now()): StatusSample {
    const handled = Object.fromEntries(Object.entries(stats.perListener).map(([id, l]) => [id, l.ok]));
    this.totals.push({ t: now, consumed: stats.consumed, handled });
    // Only the window's span of totals is needed for the rates.
    while (this.totals.length > 2 && this.totals[1]!.t < now - this.windowSeconds * 1000) this.totals.shift();
    const handledPerSecond: Record<string, number> = {};
    for (const id of Object.keys(handled)) {
      const rate = this.rateOf((x) => x.handled[id] ?? 0);
      if (rate > 0) handledPerSecond[id] = rate;
    }
    const sample: StatusSample = {
      t: now,
      consumedPerSecond: this.rateOf((x) => x.consumed),
      handledPerSecond,
      lag,
      deadLetters: stats.deadLetters,
      bufferedRows,
    };
    this.samples.push(sample);
    if (this.samples.length > this.capacity) this.samples.shift();
    return sample;
  }

  /** Samples from oldest to newest. */
  get all(): readonly StatusSample[] {
    return this.samples;
  }

  /** The newest sample, if any. */
  get latest(): StatusSample | undefined {
    return this.samples[this.samples.length - 1];
  }

  private rateOf(total: (x: Totals) => number): number {
    return changesPerSecond(
      this.totals.map((x) => ({ t: x.t, total: total(x) })),
      this.windowSeconds,
    );
  }
}
