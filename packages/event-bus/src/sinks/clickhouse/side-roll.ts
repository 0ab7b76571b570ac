import type { ClickHouseClient } from '@clickhouse/client';
import { toClickHouseTime } from './metric-event-store.js';
import {
  type CommittedRoll,
  floorsColumn,
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
