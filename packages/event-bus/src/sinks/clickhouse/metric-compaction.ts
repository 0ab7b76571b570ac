import type { ClickHouseClient } from '@clickhouse/client';
import { SinkError } from '../../errors.js';
import { bulkWorkSettings } from './client.js';
import type { RollOptions } from './metric-rollup.js';
import { headChainFilter, queryRows, type RollFloor, readRollState, serverNowMs } from './roll-state.js';
import { MIN_RETAIN_MS, rollupTables } from './rollup-schema.js';
import { beginSideRoll, commitSideRoll } from './side-roll.js';
import { startOfMonthMs } from './timeframes.js';

export interface CompactOptions extends RollOptions {
  /** Most days folded by one compaction, newest first (default 31; a month counts its days). */
  maxDays?: number;
  /**
   * Fold the days of closed months into one row per entity and metric at the month's first day (default
   * true). Every reader must know month rows first (metric-totals-sql.ts, since 2026-12-06): an older one
   * misses the part of a month row after the day a window starts in.
   */
  foldMonths?: boolean;
}

/** A month is closed, and folded whole, once it ended this many days ago (later events fold into it again). */
export const MONTH_FOLD_LAG_DAYS = 7;

const DAY_MS = 86_400_000;

/** First day of the first month that is not closed at `nowMs`, as 'YYYY-MM-DD' (a Date32 parameter). */
function firstOpenMonth(nowMs: number): string {
  return new Date(startOfMonthMs(nowMs - MONTH_FOLD_LAG_DAYS * DAY_MS)).toISOString().slice(0, 10);
}

/** The days (since 1970-01-01) a bucket holds: one day, or every day of the month that starts on it. */
function daysOf(bucket: number, month: boolean): number[] {
  if (!month) return [bucket];
  const next = startOfMonthMs(bucket * DAY_MS, 1) / DAY_MS;
  return Array.from({ length: next - bucket }, (_, i) => bucket + i);
}

export interface CompactResult {
  /** False when there was nothing to do, or another roll committed meanwhile (this one's rows stay excluded). */
  committed: boolean;
  gen: number;
  /** Days folded (days since 1970-01-01); every day of a folded month. */
  days: number[];
  /** Daily rows written: one per entity, metric and folded day or month. */
  rows: number;
  /** Days whose replaced rows were deleted. */
  swept: number[];
}

const NOTHING: CompactResult = { committed: false, gen: 0, days: [], rows: 0, swept: [] };

/**
 * Compacts the read rollup. Every roll writes one daily row per entity, metric and day it touched, so an
 * entity with events in every roll gathers one row per roll (1,440 a day at the default interval) and a read
 * of it gets slower with every day of its history (docs/performance-history.md, "Busy entities"). A compaction
 * is a roll of its own on the head's chain that rolls no new events; instead it folds days:
 *
 * 1. Sweep: deletes the rows that earlier compactions replaced, once `retainMs` has passed since they
 *    committed (a reader that read the roll state before such a commit may still be counting them).
 * 2. The buckets to fold: a closed month (ended `MONTH_FOLD_LAG_DAYS` ago) is one bucket, any later day is
 *    one; those where the head's chain counts more than one row for some entity and metric are folded.
 * 3. `begin` row; per entity, metric and bucket, one row with this compaction's gen holding what the chain's
 *    rows of that bucket hold (sum, high water, event times), read under the same filter readers use. A
 *    month's row is at its first day, so a row at day `d` holds events of `d` up to the end of `d`'s month:
 *    readers take a window's partial month from the event times (metric-totals-sql.ts). A busy entity
 *    keeps ~12 rows a year per metric instead of ~365, and a sparse one a row per month it was active in.
 * 4. `commit` row, only if no other roll committed meanwhile: the head's cuts and `at` (no new events, so the
 *    next roll and the readers' open part start where they did), and the chain's floors with each folded
 *    day's floor set to this gen. Readers skip a day's rows below its floor (headChainFilter): the folded row
 *    replaces exactly the rows it was made from, and rolls after it (gens above it) still count on top.
 *
 * A crash or a lost race leaves a begun roll whose rows readers skip, as for any roll. Floors only rise along
 * a chain, and every later roll's gen is above them (it begins after this one's `begin` row).
 */
export async function compactRollup(
  client: ClickHouseClient,
  options: CompactOptions = {},
): Promise<CompactResult> {
  const table = options.table ?? 'entityMetricEvents';
  const t = rollupTables(table);
  const retainMs = Math.max(options.retainMs ?? MIN_RETAIN_MS, MIN_RETAIN_MS);
  try {
    const state = await readRollState(client, table);
    const head = state?.head;
    if (!state || !head) return NOTHING;
    const floors: Record<number, RollFloor> = { ...head.floors };
    const startedMs = await serverNowMs(client);

    const due = Object.keys(floors)
      .map(Number)
      .filter((d) => floors[d]!.sweepAfterMs > 0 && floors[d]!.sweepAfterMs <= startedMs);
    if (due.length > 0) {
      await client.command({
        query: `ALTER TABLE ${t.daily} DELETE WHERE toInt32(day) IN {days:Array(Int32)}
  AND gen < transform(toInt32(day), {days:Array(Int32)}, {gens:Array(UInt64)}, toUInt64(0))`,
        query_params: { days: due, gens: due.map((d) => floors[d]!.gen) },
        clickhouse_settings: { mutations_sync: '2' },
      });
      for (const d of due) floors[d] = { gen: floors[d]!.gen, sweepAfterMs: 0 };
    }

    const chain = headChainFilter(state);
    // A closed month is one bucket (at its first day), a later day one of its own.
    const open = options.foldMonths === false ? '1970-01-01' : firstOpenMonth(startedMs);
    const bucket = 'if(day < {open:Date32}, toStartOfMonth(day), day)';
    // Buckets where some key has more than one counted row. Grouped by key first, in the table's order, so the
    // engine streams the keys instead of holding them all: counting distinct keys per day needed 0.8-1.6 GB
    // at 20M daily rows and grows with the table; this stays at 0.2-0.4 GB (docs/performance-history.md, "Busy
    // entities").
    const maxDays = options.maxDays ?? 31;
    const openDay = Date.parse(open) / DAY_MS;
    const buckets = (
      await queryRows<{ d: number }>(
        client,
        `SELECT d FROM (
  SELECT toInt32(${bucket}) AS d FROM ${t.daily}
  WHERE ${chain.sql}
  GROUP BY entityType, entityId, metricType, d
  HAVING count() > 1
)
GROUP BY d
ORDER BY d DESC
LIMIT {maxDays:UInt32}`,
        { ...chain.params, open, maxDays },
        { optimize_aggregation_in_order: 1 },
      )
    ).map((r) => daysOf(Number(r.d), Number(r.d) < openDay));
    const days: number[] = [];
    for (const b of buckets) {
      if (days.length > 0 && days.length + b.length > maxDays) break;
      days.push(...b);
    }
    if (days.length === 0 && due.length === 0) return NOTHING;

    const gen = await beginSideRoll(client, table, state, startedMs);
    let written = 0;
    if (days.length > 0) {
      // groupArray keeps the rows in the same order for both arrays, so event times stay with their values.
      const insert = await client.command({
        query: `INSERT INTO ${t.daily} (entityType, entityId, metricType, day, gen, total, hw, times, vals)
SELECT entityType, entityId, metricType, b, {gen:UInt64}, sum(total), maxMap(hw),
  arrayFlatten(groupArray(times)), arrayFlatten(groupArray(vals))
FROM (
  SELECT entityType, entityId, metricType, ${bucket} AS b, total, hw, times, vals FROM ${t.daily}
  WHERE toInt32(day) IN {days:Array(Int32)} AND ${chain.sql}
)
GROUP BY entityType, entityId, metricType, b`,
        query_params: { ...chain.params, gen, days, open },
        clickhouse_settings: bulkWorkSettings(client),
      });
      written = Number(insert.summary?.written_rows ?? 0);
    }

    const committed = await commitSideRoll(client, table, head, gen, written, async () => {
      const sweepAfterMs = (await serverNowMs(client)) + retainMs;
      for (const d of days) floors[d] = { gen, sweepAfterMs };
      return floors;
    });
    // Lost: its folded rows and listing went (its insert returned).
    if (!committed) return { ...NOTHING, gen, days, rows: written, swept: due };
    return { committed: true, gen, days, rows: written, swept: due };
  } catch (cause) {
    throw new SinkError('clickhouse', `metric rollup compaction failed: ${(cause as Error).message}`, {
      cause,
    });
  }
}
