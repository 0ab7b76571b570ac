import type { ClickHouseClient } from '@clickhouse/client';
import { readTruth, type TruthRow } from '@engagement/event-bus/truth';
import type { MetricTruth } from '@engagement/plugin-api';
import type pg from 'pg';
import { type PgSnapshot, parsePgSnapshot } from './pg-snapshot.js';

/** The truth of a batch of entities, and where the source stood when it was read. */
export interface SourceSnapshot {
  entityType: string;
  entityIds: number[];
  snapshot: PgSnapshot;
  /**
   * ClickHouse's clock read just before the snapshot: an event inserted before it comes from a transaction
   * that had committed (Debezium streams committed transactions only), so it counts without the xid test.
   */
  insertedBeforeMs: number;
  /** ClickHouse truths, and stored events of their metrics, count rows created before this. */
  clickhouseBeforeMs: number;
  /** `pg_current_wal_insert_lsn()` read after the snapshot: every change the snapshot sees lies below it. */
  walLsn: string;
  truth: TruthRow[];
}

export interface ReadSourceSnapshotOptions {
  postgres: pg.Pool;
  clickhouse: ClickHouseClient;
  entityType: string;
  entityIds: readonly number[];
  truths: readonly MetricTruth[];
  metrics?: ReadonlySet<string>;
  /** ClickHouse rows younger than this are left out on both sides (see docs/reconcile.md). */
  clickhouseSettleMs: number;
}

/**
 * Reads the truth of a batch in one REPEATABLE READ transaction: `pg_current_snapshot()` first (it fixes
 * the transaction's snapshot), then every Postgres truth and the lookups of the ClickHouse ones, all from
 * that snapshot. The WAL position is read after it.
 */
export async function readSourceSnapshot(options: ReadSourceSnapshotOptions): Promise<SourceSnapshot> {
  const now = await options.clickhouse.query({
    query: 'SELECT toUnixTimestamp64Milli(now64(3)) AS ms',
    format: 'JSONEachRow',
  });
  const insertedBeforeMs = Number((await now.json<{ ms: string | number }>())[0]!.ms);
  const clickhouseBeforeMs = insertedBeforeMs - options.clickhouseSettleMs;
  const client = await options.postgres.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    let snapshot: PgSnapshot;
    let truth: TruthRow[];
    try {
      const { rows } = await client.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s');
      snapshot = parsePgSnapshot(rows[0]!.s);
      truth = await readTruth({
        postgres: client,
        clickhouse: options.clickhouse,
        truths: options.truths,
        entityIds: options.entityIds,
        clickhouseBefore: new Date(clickhouseBeforeMs),
        metrics: options.metrics,
      });
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    // The insert position (not only the flushed one) also covers asynchronous commits.
    const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    return {
      entityType: options.entityType,
      entityIds: [...options.entityIds],
      snapshot,
      insertedBeforeMs,
      clickhouseBeforeMs,
      walLsn: rows[0]!.lsn,
      truth,
    };
  } finally {
    client.release();
  }
}
