import type {
  InstrumentationEvent,
  InstrumentationSource,
  RollupOutcome,
} from '@engagement/event-bus/runtime';

/** One roll or compaction of this host: when it ended, how, and how long it took. */
export interface RollupRun {
  at: number;
  outcome: RollupOutcome;
  seconds: number;
}

/** What the status page shows of the read rollup, as this host saw it. */
export interface RollupStatus {
  /** Whether this host rolls at all (`rollup.intervalMs` 0: another instance must). */
  rolls: boolean;
  /** When this host last committed a roll; reads' open part grows until some host commits one. */
  lastCommitAt: number | null;
  lastRoll: RollupRun | null;
  lastCompaction: (RollupRun & { days: number }) | null;
  /** Active parts of the daily table after this host's last committed roll: a miss reads a granule of each. */
  dailyParts: number | null;
}

/** Follows the roller's instrumentation events for the status page (the counters are in pipeline-counters). */
export class RollupActivity {
  private readonly state: RollupStatus;
  private readonly unsubscribe: () => void;

  constructor(source: InstrumentationSource, rolls: boolean, clock: () => number = Date.now) {
    this.state = { rolls, lastCommitAt: null, lastRoll: null, lastCompaction: null, dailyParts: null };
    this.unsubscribe = source.subscribe((event) => this.see(event, clock()));
  }

  get status(): RollupStatus {
    return structuredClone(this.state);
  }

  stop(): void {
    this.unsubscribe();
  }

  private see(event: InstrumentationEvent, now: number): void {
    switch (event.type) {
      case 'rollup.rolled':
        this.state.lastRoll = { at: now, outcome: event.outcome, seconds: event.seconds };
        if (event.outcome === 'committed') this.state.lastCommitAt = now;
        return;
      case 'rollup.compacted':
        this.state.lastCompaction = {
          at: now,
          outcome: event.outcome,
          seconds: event.seconds,
          days: event.days,
        };
        return;
      case 'rollup.parts':
        this.state.dailyParts = event.daily;
        return;
    }
  }
}
