import pg from 'pg';
import type { Logger } from 'pino';

/** One row of `pg_replication_slots`, as the gauges show it. */
export interface ReplicationSlotState {
  slot: string;
  active: boolean;
  /** WAL the primary keeps for this slot (`pg_current_wal_lsn() - restart_lsn`); null before it reserved any. */
  retainedBytes: number | null;
}

const QUERY = `SELECT slot_name, active,
  pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained
FROM pg_replication_slots`;

/**
 * Reads the Postgres replication slots every `intervalMs`, for the gauges: a stalled CDC consumer makes its
 * slot retain WAL until the primary's disk fills. One pooled connection, each query bounded by `timeoutMs`.
 * A failed read is logged and clears the last reading, so the gauges disappear instead of going stale.
 */
export class ReplicationSlotMonitor {
  private readonly pool: pg.Pool;
  private current: readonly ReplicationSlotState[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    url: string,
    private readonly logger: Logger,
    private readonly options: { intervalMs?: number; timeoutMs?: number } = {},
  ) {
    const timeoutMs = options.timeoutMs ?? 5_000;
    this.pool = new pg.Pool({
      connectionString: url,
      max: 1,
      connectionTimeoutMillis: timeoutMs,
      statement_timeout: timeoutMs,
      query_timeout: timeoutMs,
      application_name: 'event-host-slot-monitor',
    });
    this.pool.on('error', () => undefined);
  }

  /** The last successful reading; undefined before the first one and after a failed one. */
  slots(): readonly ReplicationSlotState[] | undefined {
    return this.current;
  }

  /** Reads the slots now. Never throws. */
  async refresh(): Promise<void> {
    try {
      const { rows } = await this.pool.query<{ slot_name: string; active: boolean; retained: string | null }>(
        QUERY,
      );
      this.current = rows.map((r) => ({
        slot: r.slot_name,
        active: r.active,
        retainedBytes: r.retained === null ? null : Number(r.retained),
      }));
      if (this.failing) this.logger.info('replication_slots.read.recovered');
      this.failing = false;
    } catch (err) {
      this.current = undefined;
      // Logged once per outage, not on every tick.
      if (!this.failing) this.logger.warn({ err }, 'replication_slots.read.failed');
      this.failing = true;
    }
  }

  /** Reads now and then every `intervalMs` (default 15 s). */
  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs ?? 15_000);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pool.end().catch(() => undefined);
  }
}
