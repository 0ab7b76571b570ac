import type { ClickHouseClient } from '@clickhouse/client';
import { SinkError } from '../../errors.js';
import { bulkWorkSettings } from './client.js';
import { headChainFilter, queryRows, readRollState, serverNowMs, withdrawRoll } from './roll-state.js';
import { rollupTables } from './rollup-schema.js';
import { beginSideRoll, commitSideRoll, staysOnChain } from './side-roll.js';

export interface RollupRepair {
  /** True when a repair roll committed; false when there was nothing to write (or no committed roll yet). */
  committed: boolean;
  /** Daily rows written: one per entity, metric and day whose rolled events or sums were off. */
  rows: number;
  /** Repair rolls that lost the race to another roll (before or just after their commit) and were tried again. */
  retries: number;
}

/**
 * Makes the read rollup of some entities' metrics say what their stored events say (`checkRollup` finds
 * where it does not). A roll of its own on the head's chain (side-roll.ts) writes, per entity, metric and
 * day, the difference between the distinct stored events at or below the head's cuts and the chain's daily
 * rows, event time by event time:
 *
 * - an event time whose stored values and rolled values differ gets the difference (an event the rollup
 *   missed is added, one it counts that is not stored is taken out), so every window stays exact, the day a
 *   window starts in included (readers take it from the event times);
 * - a day whose rows' sums are not the sums of their event times (rows changed by hand) gets the difference
 *   of the sums, with no event times.
 *
 * The rows carry the high waters of the events they add. Entities and metrics with nothing off get no row,
 * so asking for more than the differences is harmless. The repair commits only if no roll committed since it
 * read the head, or its rows would be against another chain, and counts as done only once it is sure to stay
 * on the head's chain (`staysOnChain`); otherwise it is tried again (up to `attempts`).
 */
export async function repairRollup(
  client: ClickHouseClient,
  query: {
    entityType: string;
    entityIds: readonly number[];
    metricTypes: readonly string[];
    table?: string;
    attempts?: number;
  },
): Promise<RollupRepair> {
  const table = query.table ?? 'entityMetricEvents';
  const t = rollupTables(table);
  const attempts = query.attempts ?? 5;
  if (query.entityIds.length === 0 || query.metricTypes.length === 0)
    return { committed: false, rows: 0, retries: 0 };
  try {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const state = await readRollState(client, table);
      const head = state?.head;
      if (!state || !head) return { committed: false, rows: 0, retries: attempt };
      const bounds: Record<string, number> = {};
      for (const [origin, seq] of Object.entries(head.cuts)) bounds[origin] = seq + 1;
      const chain = headChainFilter(state);
      const keys =
        'entityType = {entityType:String} AND entityId IN {ids:Array(Int64)} AND metricType IN {types:Array(String)}';
      const gen = await beginSideRoll(client, table, state, await serverNowMs(client));
      const noTimes = "CAST([], 'Array(Int64)')";
      const noHw = "CAST(map(), 'Map(String, UInt64)')";
      const insertSql = `INSERT INTO ${t.daily} (entityType, entityId, metricType, day, gen, total, hw, times, vals)
SELECT {entityType:String}, entityId, metricType, d, {gen:UInt64}, sum(dayTotal), maxMap(dayHw),
  arrayFlatten(groupArray(dayTimes)), arrayFlatten(groupArray(dayVals))
FROM (
  SELECT entityId, metricType, toDate32(fromUnixTimestamp64Milli(t, 'UTC')) AS d, sum(dv) AS dayTotal,
    maxMap(dh) AS dayHw, groupArray(t) AS dayTimes, groupArray(dv) AS dayVals
  FROM (
    SELECT entityId, metricType, t, sum(v) AS dv, maxMap(h) AS dh
    FROM (
      SELECT entityId, metricType, toUnixTimestamp64Milli(createdAt) AS t, metricValue AS v,
        map(toString(origin), originSeq) AS h
      FROM ${table} FINAL
      WHERE ${keys} AND originSeq < {bounds:Map(String, UInt64)}[toString(origin)]
      UNION ALL
      SELECT entityId, metricType, tv.1 AS t, -tv.2 AS v, ${noHw} AS h
      FROM ${t.daily} ARRAY JOIN arrayZip(times, vals) AS tv
      WHERE ${keys} AND ${chain.sql}
    )
    GROUP BY entityId, metricType, t
    HAVING dv != 0
  )
  GROUP BY entityId, metricType, d
  UNION ALL
  SELECT entityId, metricType, day AS d, sum(arraySum(vals)) - sum(total) AS dayTotal, ${noHw} AS dayHw,
    ${noTimes} AS dayTimes, ${noTimes} AS dayVals
  FROM ${t.daily}
  WHERE ${keys} AND ${chain.sql}
  GROUP BY entityId, metricType, day
  HAVING dayTotal != 0
)
GROUP BY entityId, metricType, d`;
      const params = {
        ...chain.params,
        gen,
        bounds,
        entityType: query.entityType,
        ids: [...query.entityIds],
        types: [...query.metricTypes],
      };
      await client.command({
        query: insertSql,
        query_params: params,
        clickhouse_settings: bulkWorkSettings(client),
      });
      // Counted, not taken from the insert's summary: chDB reports 0 written rows for an INSERT … SELECT.
      const rows = await countRows(
        client,
        `SELECT count() AS n FROM ${t.daily} WHERE ${keys} AND gen = {gen:UInt64}`,
        params,
      );
      if (rows === 0) {
        // Nothing off: the begun roll goes again, so no commit makes other rolls lose their race.
        await withdrawRoll(client, table, gen);
        return { committed: false, rows: 0, retries: attempt };
      }
      if (!(await commitSideRoll(client, table, head, gen, rows, async () => head.floors))) continue;
      if (await staysOnChain(client, table, head.gen, gen))
        return { committed: true, rows, retries: attempt };
      // Another roll on the same head committed just after it and became the head: this one's rows no longer
      // count, so they go, and the repair starts again from the new head.
      await withdrawRoll(client, table, gen);
    }
    throw new Error(`another roll committed first ${attempts} times`);
  } catch (cause) {
    throw new SinkError('clickhouse', `rollup repair failed: ${(cause as Error).message}`, { cause });
  }
}

const countRows = async (client: ClickHouseClient, sql: string, params: Record<string, unknown>) =>
  Number((await queryRows<{ n: string }>(client, sql, params))[0]?.n ?? 0);
