import type { DeadLetterReason, PipelineSink, SinkAttemptOutcome } from '@engagement/event-bus/kafka';
import { maskUrlsIn } from '../config/mask-secrets.js';

/** The sinks the status page reports on; `kafka` is the producer that publishes metric events. */
export type SinkName = PipelineSink | 'kafka';
const SINKS: readonly SinkName[] = ['clickhouse', 'redis', 'search', 'kafka'];

/** One sink's recent health, as seen from the pipeline's write attempts. */
export interface SinkHealth {
  sink: SinkName;
  /** `idle`: no write attempted since start. */
  state: 'up' | 'down' | 'idle';
  /** Epoch ms of the last successful write, its duration and rows. */
  lastOkAt: number | null;
  lastSeconds: number | null;
  lastRows: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  failedAttempts: number;
}

/** One ClickHouse flush (buffer to ClickHouse, publish, commit). */
export interface FlushSample {
  t: number;
  seconds: number;
  rows: number;
}

/** Dead letters since start, per failing listener (`none`: undecodable) and code. */
export interface DeadLetterCount {
  listener: string;
  code: string;
  count: number;
}

/**
 * What the status page needs and running totals cannot give: each sink's last write and last error, the
 * recent flush durations, and dead letters by listener and code. Fed by the pipeline observer.
 */
export class SinkActivity {
  private readonly sinks = new Map<SinkName, SinkHealth>(
    SINKS.map((sink) => [
      sink,
      {
        sink,
        state: 'idle',
        lastOkAt: null,
        lastSeconds: null,
        lastRows: null,
        lastError: null,
        lastErrorAt: null,
        failedAttempts: 0,
      },
    ]),
  );
  private readonly flushList: FlushSample[] = [];
  private readonly dead = new Map<string, DeadLetterCount>();

  constructor(private readonly flushCapacity = 60) {}

  attempt(sink: SinkName, outcome: SinkAttemptOutcome, now = Date.now()): void {
    const h = this.sinks.get(sink);
    if (!h) return;
    if (outcome.ok) {
      Object.assign(h, { state: 'up', lastOkAt: now, lastSeconds: outcome.seconds, lastRows: outcome.rows });
    } else {
      h.state = 'down';
      h.lastError = messageOf(outcome.error);
      h.lastErrorAt = now;
      h.failedAttempts++;
    }
  }

  flush(rows: number, seconds: number, now = Date.now()): void {
    this.flushList.push({ t: now, seconds, rows });
    if (this.flushList.length > this.flushCapacity) this.flushList.shift();
  }

  deadLetter(reason: Pick<DeadLetterReason, 'listenerId' | 'code'>): void {
    const listener = reason.listenerId ?? 'none';
    const key = `${listener}\u0000${reason.code}`;
    const row = this.dead.get(key) ?? { listener, code: reason.code, count: 0 };
    row.count++;
    this.dead.set(key, row);
  }

  /** Every sink, in a fixed order. */
  get health(): SinkHealth[] {
    return SINKS.map((s) => ({ ...this.sinks.get(s)! }));
  }

  /** Recent ClickHouse flushes, oldest first. */
  get flushes(): readonly FlushSample[] {
    return this.flushList;
  }

  /** Dead letters by listener and code, most first. */
  get deadLetters(): DeadLetterCount[] {
    return [...this.dead.values()]
      .map((d) => ({ ...d }))
      .sort(
        (a, b) => b.count - a.count || a.listener.localeCompare(b.listener) || a.code.localeCompare(b.code),
      );
  }
}

export function messageOf(error: unknown): string {
  // Errors may quote a connection URL: the page and /status.json never show its credentials.
  const text = maskUrlsIn(error instanceof Error ? error.message : String(error));
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
