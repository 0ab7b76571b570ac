import { setTimeout as sleep } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import { toClickHouseTime } from './metric-event-store.js';
import {
  type CommittedRoll,
  floorsColumn,
  queryRows,
  type RollFloor,
  type RollState,
  readRollState,
  withdrawRoll,
} from './roll-state.js';
import { rollupTables } from './rollup-schema.js';

/**
 * A roll that rolls no new events (a compaction, a rollup repair) writes daily rows of its own on the head's
 * chain: it is listed as begun on the head, writes its rows under its gen (readers skip them until it commits),
 * and commits with the head's cuts and `at` only if no other roll committed meanwhile.
 */
export async function beginSideRoll(
  client: ClickHouseClient,
  table: string,
  state: RollState,
  atMs: number,
): Promise<number> {
  // Above every gen listed, so above every floor; random on top, so two that begin together differ.
  const gen = state.maxGen + 1 + Math.floor(Math.random() * 2 ** 20);
  await client.insert({
    table: rollupTables(table).rolls,
    values: [
      {
        gen,
        phase: 'begin',
        base: state.head!.gen,
        cuts: {},
        at: toClickHouseTime(new Date(atMs)),
        events: 0,
        rows: 0,
      },
    ],
    format: 'JSONEachRow',
  });
  return gen;
}

/**
 * Commits a side roll on `head` (whose cuts and `at` it keeps) with the chain's floors from `floors` (asked
 * for after the check, so times in them are not earlier than the commit). When another roll committed since
 * `head`, withdraws it instead (its rows and listing go) and returns false.
 */
export async function commitSideRoll(
  client: ClickHouseClient,
  table: string,
  head: CommittedRoll,
  gen: number,
  rows: number,
  floors: () => Promise<Record<number, RollFloor>>,
): Promise<boolean> {
  const now = await readRollState(client, table);
  if ((now?.head?.gen ?? 0) !== head.gen) {
    await withdrawRoll(client, table, gen);
    return false;
  }
  await client.insert({
    table: rollupTables(table).rolls,
    values: [
      {
        gen,
        phase: 'commit',
        base: head.gen,
        cuts: head.cuts,
        at: toClickHouseTime(new Date(head.atMs)),
        events: 0,
        rows,
        floors: floorsColumn(await floors()),
      },
    ],
    format: 'JSONEachRow',
  });
  return true;
}

/**
 * Whether a committed side roll stays on the head's chain. A roll checks that the head is still its base and
 * then writes its commit, two queries apart, so another roll on the same base that checked before this one's
 * commit can still commit after it; the higher gen becomes the head and the other is off the chain. For a
 * roll or a compaction that is harmless (the next roll rolls the same events again; a compaction's folds
 * only count through the head's floors), but a repair off the chain is undone. So the repair waits until no
 * other roll begun on its base is still open (committed or withdrawn; at most `waitMs`, after which one still
 * open is taken for a crashed roll) and then reads the state once more.
 */
export async function staysOnChain(
  client: ClickHouseClient,
  table: string,
  base: number,
  gen: number,
  waitMs = 10_000,
): Promise<boolean> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    const open = await queryRows<{ n: string }>(
      client,
      `SELECT count() AS n FROM (
  SELECT gen FROM ${rollupTables(table).rolls}
  WHERE base = {base:UInt64} AND gen != {gen:UInt64}
  GROUP BY gen
  HAVING countIf(phase = 'commit') = 0
)`,
      { base, gen },
    );
    if (Number(open[0]?.n ?? 0) === 0 || performance.now() >= deadline) break;
    await sleep(100);
  }
  const state = await readRollState(client, table);
  return !(state?.excluded ?? []).includes(gen);
}
