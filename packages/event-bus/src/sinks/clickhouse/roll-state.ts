import type { ClickHouseClient } from '@clickhouse/client';
import { clickHouseErrorType } from './clickhouse-errors.js';
import { rollupTables } from './rollup-schema.js';

/** One committed roll: every event with `originSeq ≤ cuts[origin]` is in the daily rows of its chain. */
export interface CommittedRoll {
  gen: number;
  /** The roll this one continued from (0: none, it rolled the event table itself). */
  base: number;
  /** origin → highest `originSeq` rolled up (cumulative over the chain). */
  cuts: Record<string, number>;
  /** ClickHouse time when the roll started; every event inserted well before it is below its cuts. */
  atMs: number;
}

/**
 * What a reader may use: the newest committed roll (`head`) and the rolls whose daily rows it must skip.
 * Daily rows count when `gen ≤ head.gen` and `gen` is not in `excluded`: rolls that began and never
 * committed (a crash), and commits off the head's chain (two rollers that raced on the same base).
 */
export interface RollState {
  head: CommittedRoll | null;
  excluded: number[];
  /** Gens of the head's chain still listed (the roller deletes older ones). */
  chain: number[];
  /** The head's base roll, when still listed. */
  base: CommittedRoll | null;
  /** Highest gen listed, begun or committed. */
  maxGen: number;
  /** Earliest `at` listed (before the first commit: when copying to `recent` began). */
  firstAtMs: number | null;
}

/**
 * The SQL condition for the daily rows of `state`'s head chain, with the parameters it names. `excluded` is
 * fixed once the head is read (a roll that begins later takes a gen above the head), so with none excluded the
 * per-row `has` is left out: about 4% of a 100-entity miss's query (docs/performance.md, "Sixteenth session").
 */
export function headChainFilter(state: RollState): { sql: string; params: Record<string, unknown> } {
  const head = state.head!.gen;
  if (state.excluded.length === 0) return { sql: 'gen <= {head:UInt64}', params: { head } };
  return {
    sql: 'gen <= {head:UInt64} AND NOT has({excluded:Array(UInt64)}, gen)',
    params: { head, excluded: state.excluded },
  };
}

interface RollRow {
  gen: string;
  phase: 'begin' | 'commit';
  base: string;
  cuts: Record<string, string | number>;
  at: string | number;
}

/**
 * Reads the roll table in one query (one snapshot, so the head, its cuts and the exclusions agree).
 * `null` when the rollup tables do not exist (a table created by hand, or not migrated yet).
 */
export async function readRollState(
  client: ClickHouseClient,
  table = 'entityMetricEvents',
): Promise<RollState | null> {
  let rows: RollRow[];
  try {
    const result = await client.query({
      query: `SELECT toString(gen) AS gen, phase, toString(base) AS base, cuts, toUnixTimestamp64Milli(at) AS at
FROM ${rollupTables(table).rolls}`,
      format: 'JSONEachRow',
    });
    rows = await result.json<RollRow>();
  } catch (cause) {
    if (clickHouseErrorType(cause) === 'UNKNOWN_TABLE') return null;
    throw cause;
  }
  const commits = new Map<number, CommittedRoll>();
  const gens = new Set<number>();
  let firstAtMs: number | null = null;
  for (const r of rows) {
    const gen = Number(r.gen);
    gens.add(gen);
    firstAtMs = Math.min(firstAtMs ?? Number(r.at), Number(r.at));
    if (r.phase !== 'commit') continue;
    const cuts: Record<string, number> = {};
    for (const [origin, seq] of Object.entries(r.cuts)) cuts[origin] = Number(seq);
    commits.set(gen, { gen, base: Number(r.base), cuts, atMs: Number(r.at) });
  }
  const maxGen = gens.size ? Math.max(...gens) : 0;
  if (commits.size === 0) return { head: null, excluded: [], chain: [], base: null, maxGen, firstAtMs };
  const head = commits.get(Math.max(...commits.keys()))!;
  const chain: number[] = [];
  for (let r: CommittedRoll | undefined = head; r; r = commits.get(r.base)) chain.push(r.gen);
  const onChain = new Set(chain);
  const excluded = [...gens].filter((g) => g <= head.gen && !onChain.has(g));
  return { head, excluded, chain, base: commits.get(head.base) ?? null, maxGen, firstAtMs };
}
