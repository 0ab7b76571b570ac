// Waiting for the pipeline to catch up with the source: ClickHouse compared with the SQL truth until
// they agree, for all time and the week and day windows.
import type { ClickHouseClient } from '@clickhouse/client';
import type pg from 'pg';
import { clickhouseMismatches } from './compare-metrics.js';
import type { TruthScope } from './ground-truth.js';

/** Waits until ClickHouse agrees with the truth and still agrees 2 s later; returns the last mismatches. */
export async function settleTruth(
  db: pg.Client,
  clickhouse: ClickHouseClient,
  scope: TruthScope,
  timeoutMs = 60_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const mismatches = () => clickhouseMismatches(db, clickhouse, scope);
  let last = await mismatches();
  while (Date.now() < deadline) {
    if (last.length === 0) {
      await new Promise((r) => setTimeout(r, 2_000));
      last = await mismatches();
      if (last.length === 0) return last;
    }
    await new Promise((r) => setTimeout(r, 500));
    last = await mismatches();
  }
  return last;
}
