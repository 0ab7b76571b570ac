import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '@engagement/plugin-api';
import { type RollOptions, type RollResult, rollMetricEvents } from './metric-rollup.js';

/** How often the read rollup rolls (`false`: never; reads then use the event table until someone rolls). */
export type RollupSchedule = (RollOptions & { intervalMs?: number }) | false;

/**
 * Default roll interval: `EVENT_BUS_ROLLUP_INTERVAL_MS`, else 60 s. Each roll reads only the events since
 * the previous one and writes one daily row per entity, metric and day it touched.
 */
export function defaultRollIntervalMs(): number {
  const fromEnv = Number(process.env.EVENT_BUS_ROLLUP_INTERVAL_MS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : 60_000;
}

/**
 * Runs `rollMetricEvents` on a timer, one roll at a time. Several instances may roll the same table: a roll
 * that loses a race does not commit and its rows stay excluded (metric-rollup.ts), so it only wastes work.
 */
export class MetricRoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  /** Rolls committed by this process (for tests and the status page). */
  committed = 0;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly options: RollOptions & { intervalMs?: number } = {},
    private readonly logger?: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.rollNow(), this.options.intervalMs ?? defaultRollIntervalMs());
    this.timer.unref();
  }

  /** One roll now (or the one already running). */
  async rollNow(): Promise<RollResult | undefined> {
    if (this.running) return undefined;
    const started = performance.now();
    const run = rollMetricEvents(this.client, this.options).then(
      (result) => {
        if (result.committed) this.committed++;
        this.logger?.debug(
          { ...result, seconds: (performance.now() - started) / 1000 },
          'sink.clickhouse.rollup.rolled',
        );
        return result;
      },
      (err) => {
        this.logger?.warn({ err }, 'sink.clickhouse.rollup.failed');
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

  /** Stops the timer and waits for a roll in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
