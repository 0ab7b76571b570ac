import type { ClickHouseClient } from '@clickhouse/client';
import { SinkError } from '../../errors.js';
import { bulkWorkSettings } from './client.js';
import { toClickHouseTime } from './metric-event-store.js';
import {
  activePartitions,
  createdMonths,
  floorsColumn,
  queryRows,
  readRollState,
  serverNowMs,
  withdrawRoll,
} from './roll-state.js';
import { INSERT_MARGIN_MS, MIN_RETAIN_MS, RECENT_SLOT_MS, rollupTables } from './rollup-schema.js';

export interface RollOptions {
  /** Metric event table (default `entityMetricEvents`). */
  table?: string;
  /**
   * How long `recent` keeps a slot after the base roll started, and a compaction the rows it replaced after
   * its commit: at least (and by default) `MIN_RETAIN_MS`, 15 min: readers of a head read `recent` from
   * `INSERT_MARGIN_MS` before it, may keep using it for `HEAD_REUSE_MS`, and need time for their query.
   */
  retainMs?: number;
  /**
   * Steps aside (outcome idle: nothing written) when the head roll, or a roll begun on the head and not
   * committed (another host's, running), began less than this long ago by the server's clock. Default 0:
   * always roll. A host's timer sets half its interval (MetricRoller), so that a fleet of hosts rolls a table
   * about once an interval rather than once per host per interval, and seldom two at once.
   */
  minGapMs?: number;
}

export interface RollResult {
  /** False when another roll committed meanwhile; this one's rows stay excluded. */
  committed: boolean;
  gen: number;
  base: number;
  /** Daily rows written. */
  rows: number;
  /** `recent` partitions (10-minute slots) dropped. */
  droppedSlots: number;
}

const DAY_KEY = 'entityType, entityId, metricType, createdAt, eventId';

/**
 * Rolls the events stored since the last roll into the daily rollup. Exact because of the per-origin cut:
 *
 * 1. `begin` row first: from now on readers skip this roll's daily rows until it commits.
 * 2. The cut: per origin, the highest stored `originSeq`. Stored events of an origin are a prefix of its
 *    sequence (docs/reading-metrics.md), so every event at or below the cut is stored now.
 * 3. Daily rows of the events with `base cut < originSeq ≤ cut`, each event once (grouped by the event
 *    table's sorting key, what `FINAL` collapses). A replay of an already rolled event is below the base
 *    cut and never rolled again; readers count it neither (their open part starts above the cut).
 * 4. `commit` row with the cut, only if no other roll committed meanwhile.
 *
 * A crash anywhere leaves a begun, uncommitted roll whose rows readers skip; the next roll starts from the
 * last commit again. On a table that had events before the rollup existed, the first roll (no commit yet)
 * reads the event table itself, a month partition per insert, `INSERT_MARGIN_MS` after copying to `recent`
 * began (ensureRollupTables): that migrates it. Until then reads use the event table with `FINAL`.
 */
export async function rollMetricEvents(
  client: ClickHouseClient,
  options: RollOptions = {},
): Promise<RollResult> {
  const table = options.table ?? 'entityMetricEvents';
  const t = rollupTables(table);
  const retainMs = Math.max(options.retainMs ?? MIN_RETAIN_MS, MIN_RETAIN_MS);
  try {
    const state = await readRollState(client, table);
    if (!state)
      throw new Error(`rollup tables of ${table} are missing (ensureMetricEventTable creates them)`);
    const base = state.head;
    const gen = state.maxGen + 1 + Math.floor(Math.random() * 2 ** 20);
    const at = await serverNowMs(client);
    const gap = options.minGapMs ?? 0;
    if (base && gap > 0 && (at - base.atMs < gap || at - (state.runningAtMs ?? -Infinity) < gap))
      return { committed: false, gen: 0, base: base.gen, rows: 0, droppedSlots: 0 };
    const atText = toClickHouseTime(new Date(at));
    // Migrating an existing table: an insert that began before the copying view existed may still land.
    if (!base && (state.firstAtMs === null || at - state.firstAtMs < INSERT_MARGIN_MS)) {
      // No mark yet (the view was created without one): mark now, roll a margin later.
      if (state.firstAtMs === null) {
        await client.insert({
          table: t.rolls,
          values: [{ gen: 1, phase: 'begin', base: 0, cuts: {}, at: atText, events: 0, rows: 0 }],
          format: 'JSONEachRow',
        });
      }
      return { committed: false, gen: 0, base: 0, rows: 0, droppedSlots: 0 };
    }
    await client.insert({
      table: t.rolls,
      values: [{ gen, phase: 'begin', base: base?.gen ?? 0, cuts: {}, at: atText, events: 0, rows: 0 }],
      format: 'JSONEachRow',
    });

    // After the first roll, every event above the base cut is in `recent`, inserted after base.at − margin.
    const source = base ? t.recent : table;
    const since = base
      ? `insertedAt >= fromUnixTimestamp64Milli(${base.atMs - INSERT_MARGIN_MS}, 'UTC')`
      : '1';
    const stored = await queryRows<{ origin: string; seq: string }>(
      client,
      `SELECT toString(origin) AS origin, toString(max(originSeq)) AS seq FROM ${source} WHERE ${since} GROUP BY origin`,
    );
    const cuts: Record<string, number> = { ...(base?.cuts ?? {}) };
    for (const r of stored) cuts[r.origin] = Math.max(cuts[r.origin] ?? 0, Number(r.seq));

    const rollPart = async (part: string) => {
      const insert = await client.command({
        query: `INSERT INTO ${t.daily} (entityType, entityId, metricType, day, gen, total, hw, times, vals)
SELECT entityType, entityId, metricType, toDate32(createdAt) AS d, {gen:UInt64}, sum(v),
  maxMap(map(toString(o), s)), groupArray(toUnixTimestamp64Milli(createdAt)), groupArray(v)
FROM (
  SELECT ${DAY_KEY}, any(metricValue) AS v, any(origin) AS o, any(originSeq) AS s
  FROM ${source}
  WHERE ${since} AND ${part}
    AND mapContains({cuts:Map(String, UInt64)}, toString(origin))
    AND originSeq <= {cuts:Map(String, UInt64)}[toString(origin)]
    AND (NOT mapContains({base:Map(String, UInt64)}, toString(origin))
         OR originSeq > {base:Map(String, UInt64)}[toString(origin)])
  GROUP BY ${DAY_KEY}
)
GROUP BY entityType, entityId, metricType, d`,
        query_params: { gen, cuts, base: base?.cuts ?? {} },
        clickhouse_settings: bulkWorkSettings(client),
      });
      return Number(insert.summary?.written_rows ?? 0);
    };
    // The first roll of a table that had events reads all of them: one month partition per insert, so no
    // query groups the whole table (a replay has its original's createdAt, so it is in the same month).
    // The partitions are listed after the cuts: every event at or below them is in one of them. Between
    // months it stops as soon as another roll (another host's first roll) has committed: it could not commit.
    const lost = async () => ((await readRollState(client, table))?.head?.gen ?? 0) !== (base?.gen ?? 0);
    // A roll that lost takes its rows and listing back (every insert of it has returned).
    const lostResult = async (rows: number): Promise<RollResult> => {
      await withdrawRoll(client, table, gen);
      return { committed: false, gen, base: base?.gen ?? 0, rows, droppedSlots: 0 };
    };
    let written = 0;
    const months = base ? null : await createdMonths(client, table);
    if (!months) written = await rollPart('1');
    else
      for (const [i, month] of months.entries()) {
        if (i > 0 && (await lost())) return await lostResult(written);
        written += await rollPart(`toYYYYMM(createdAt) = ${month}`);
      }

    if (await lost()) return await lostResult(written);
    await client.insert({
      table: t.rolls,
      values: [
        {
          gen,
          phase: 'commit',
          base: base?.gen ?? 0,
          cuts,
          at: atText,
          events: 0,
          rows: written,
          floors: floorsColumn(base?.floors ?? {}), // the chain's compacted days, unchanged
        },
      ],
      format: 'JSONEachRow',
    });

    // Housekeeping, safe to lose in a crash: older rolls of the chain need not be listed (their rows count
    // by `gen ≤ head`); `recent` slots that no reader of this or the previous roll needs are dropped.
    // (A mutation: only once a few have gathered.)
    const older = state.chain.filter((g) => g < (base?.gen ?? 0));
    if (older.length >= 8) {
      await client.command({
        query: `ALTER TABLE ${t.rolls} DELETE WHERE gen IN {gens:Array(UInt64)}`,
        query_params: { gens: older },
        clickhouse_settings: { mutations_sync: '2' },
      });
    }
    let droppedSlots = 0;
    if (base) {
      const keepFromMs = base.atMs - retainMs;
      for (const partition of await activePartitions(client, t.recent)) {
        const slot = Number(partition);
        if (!Number.isInteger(slot) || (slot + 1) * RECENT_SLOT_MS > keepFromMs) continue;
        await client.command({ query: `ALTER TABLE ${t.recent} DROP PARTITION ${slot}` });
        droppedSlots++;
      }
    }
    return { committed: true, gen, base: base?.gen ?? 0, rows: written, droppedSlots };
  } catch (cause) {
    throw new SinkError('clickhouse', `metric rollup failed: ${(cause as Error).message}`, { cause });
  }
}
