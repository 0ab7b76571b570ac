import type { PipelineStats } from '@engagement/event-bus/kafka';

/** One point of the status page's charts. */
export interface StatusSample {
  /** Epoch ms. */
  t: number;
  /** Source records consumed per second since the previous sample. */
  consumedPerSecond: number;
  /** Changes handled per second, per listener. */
  handledPerSecond: Record<string, number>;
  /** Total lag over the assigned partitions. */
  lag: number;
  /** Dead letters written since the host started. */
  deadLetters: number;
  bufferedRows: number;
}

/**
 * A ring of recent samples (default: one per second for ten minutes) from which the status page draws
 * throughput per listener, lag and dead letters. Rates are differences of the running totals.
 */
export class StatusHistory {
  private readonly samples: StatusSample[] = [];
  private previous: { t: number; consumed: number; handled: Record<string, number> } | undefined;

  constructor(private readonly capacity = 600) {}

  /** Adds a sample from the current totals. */
  record(stats: PipelineStats, lag: number, bufferedRows: number, now = Date.now()): StatusSample {
    const handled = Object.fromEntries(Object.entries(stats.perListener).map(([id, l]) => [id, l.ok]));
    const prev = this.previous;
    const seconds = prev ? Math.max((now - prev.t) / 1000, 0.001) : 1;
    const rate = (value: number, before: number | undefined) =>
      prev ? Math.round(((value - (before ?? 0)) / seconds) * 10) / 10 : 0;
    const sample: StatusSample = {
      t: now,
      consumedPerSecond: rate(stats.consumed, prev?.consumed),
      handledPerSecond: Object.fromEntries(
        Object.entries(handled).map(([id, n]) => [id, rate(n, prev?.handled[id])]),
      ),
      lag,
      deadLetters: stats.deadLetters,
      bufferedRows,
    };
    this.previous = { t: now, consumed: stats.consumed, handled };
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
}
