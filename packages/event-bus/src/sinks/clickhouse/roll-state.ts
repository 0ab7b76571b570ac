import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { clickHouseErrorType } from './clickhouse-errors.js';
import { HEAD_REUSE_MS, rollupTables } from './rollup-schema.js';

/** One committed roll: every event with `originSeq ≤ cuts[origin]` is in the daily rows of its chain. */
export interface CommittedRoll {
  gen: number;
  /** The roll this one continued from (0: none, it rolled the event table itself). */
  base: number;
  /** origin → highest `originSeq` rolled up (cumulative over the chain). */
  cuts: Record<string, number>;
  /** ClickHouse time when the roll started; every event inserted well before it is below its cuts. */
  atMs: number;
  /**
   * The chain's compacted days (metric-compaction.ts), carried by every commit: day (days since 1970-01-01)
   * → the compaction that folded it. That day's daily rows with a lower gen are replaced and do not count.
   */
  floors: Record<number, RollFloor>;
}

/** A compacted day: the gen of its folded rows, and when the rows they replaced may be deleted (0: done). */
export interface RollFloor {
  gen: number;
  sweepAfterMs: number;
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
  /** The server's clock when the state was read (epoch ms); absent when no roll was listed. */
  readAtMs?: number;
  /** Latest `at` of a roll begun on the head and not committed (running, or crashed); absent when none. */
  runningAtMs?: number;
}

/**
 * The SQL condition for the daily rows of `state`'s head chain, with the parameters it names: rolls up to the
 * head, not excluded, and on a compacted day not below its floor. `excluded` is fixed once the head is read
 * (a roll that begins later takes a gen above the head), so with none excluded the per-row `has` is left out:
 * about 4% of a 100-entity miss's query (docs/performance-history.md, "Sixteenth session"); so is the floor
 * test before the first compaction.
 */
export function headChainFilter(state: RollState): { sql: string; params: Record<string, unknown> } {
  const head = state.head!;
  const sql = ['gen <= {head:UInt64}'];
  const params: Record<string, unknown> = { head: head.gen };
  if (state.excluded.length > 0) {
    sql.push('NOT has({excluded:Array(UInt64)}, gen)');
    params.excluded = state.excluded;
  }
  const days = Object.keys(head.floors).map(Number);
  if (days.length > 0) {
    sql.push(
      'gen >= transform(toInt32(day), {floorDays:Array(Int32)}, {floorGens:Array(UInt64)}, toUInt64(0))',
    );
    params.floorDays = days;
    params.floorGens = days.map((d) => head.floors[d]!.gen);
  }
  return { sql: sql.join(' AND '), params };
}

/** `floors` as a roll row's `floors` column takes it in JSONEachRow. */
export function floorsColumn(floors: Record<number, RollFloor>): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const [day, f] of Object.entries(floors)) out[day] = [f.gen, f.sweepAfterMs];
  return out;
}

interface RollRow {
  gen: string;
  phase: 'begin' | 'commit';
  base: string;
  cuts: Record<string, string | number>;
  at: string | number;
  floors: Record<string, [string | number, string | number]>;
  now: string | number;
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
      query: `SELECT toString(gen) AS gen, phase, toString(base) AS base, cuts, toUnixTimestamp64Milli(at) AS at,
  floors, toUnixTimestamp64Milli(now64(3)) AS now
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
  const begun: RollRow[] = [];
  let firstAtMs: number | null = null;
  for (const r of rows) {
    const gen = Number(r.gen);
    gens.add(gen);
    firstAtMs = Math.min(firstAtMs ?? Number(r.at), Number(r.at));
    if (r.phase !== 'commit') {
      begun.push(r);
      continue;
    }
    const cuts: Record<string, number> = {};
    for (const [origin, seq] of Object.entries(r.cuts)) cuts[origin] = Number(seq);
    const floors: Record<number, RollFloor> = {};
    for (const [day, [floorGen, sweepAfterMs]] of Object.entries(r.floors ?? {}))
      floors[Number(day)] = { gen: Number(floorGen), sweepAfterMs: Number(sweepAfterMs) };
    commits.set(gen, { gen, base: Number(r.base), cuts, atMs: Number(r.at), floors });
  }
  const maxGen = gens.size ? Math.max(...gens) : 0;
  const readAtMs = rows.length > 0 ? Number(rows[0]!.now) : undefined;
  if (commits.size === 0)
    return { head: null, excluded: [], chain: [], base: null, maxGen, firstAtMs, readAtMs };
  const head = commits.get(Math.max(...commits.keys()))!;
  const chain: number[] = [];
  for (let r: CommittedRoll | undefined = head; r; r = commits.get(r.base)) chain.push(r.gen);
  const onChain = new Set(chain);
  const excluded = [...gens].filter((g) => g <= head.gen && !onChain.has(g));
  // A begun roll on the head never committed: a commit on the head would have become the head.
  const running = begun.filter((r) => Number(r.base) === head.gen).map((r) => Number(r.at));
  return {
    head,
    excluded,
    chain,
    base: commits.get(head.base) ?? null,
    maxGen,
    firstAtMs,
    readAtMs,
    ...(running.length > 0 ? { runningAtMs: Math.max(...running) } : {}),
  };
}

/**
 * Shares roll-state reads among one reader's queries: a state read less than `maxAgeMs` ago (1 s by default)
 * is used again, and callers that come while a read runs share it. A burst of misses then costs one small
 * query instead of one per miss (on the embedded engine ~6 ms of each: docs/performance-history.md, "Sixteenth
 * session").
 *
 * An older state is still used while it may be (below), but it is due: `refresh` then starts a new read. The
 * caller calls it once its query is done, so that the read is off the query's path; on the embedded engine,
 * which runs one call at a time, a read started beside the query delayed it by the read's whole time
 * ("Roll-state reads off the miss's path" in the history). A state that may no longer be used is read
 * before the query, as is every state with `maxAgeMs` 0.
 *
 * Exact, because a query may use any committed head whose rows are still there: what it counts is the head's
 * chain, every stored event above the head's cut in `recent`, and nothing twice (docs/reading-metrics.md).
 * Rolls drop `recent` slots, and compactions the rows they replaced, only `MIN_RETAIN_MS` after a later
 * roll's start or commit; so a state is used only while the server's clock (as read with it, plus the time
 * since, by this process's monotonic clock from before the read) is at most `HEAD_REUSE_MS` past the head's
 * `at`, which leaves the query 3 minutes. A state without a head (no roll committed yet) is read every time.
 */
export class RollStateCache {
  private last: { state: RollState; startedAt: number } | undefined;
  private running: Promise<RollState | null> | undefined;
  private readonly clock: () => number;
  private readonly maxAgeMs: number;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly options: { table?: string; maxAgeMs?: number; clock?: () => number } = {},
  ) {
    this.clock = options.clock ?? (() => performance.now());
    this.maxAgeMs = options.maxAgeMs ?? 1_000;
  }

  /** A state a query may use now: the last one read while it may be used (see the class), else a new read. */
  read(): Promise<RollState | null> {
    const now = this.clock();
    const last = this.last;
    if (last && this.maxAgeMs > 0 && reusable(last.state, now - last.startedAt)) {
      return Promise.resolve(last.state);
    }
    return this.start(now);
  }

  /**
   * Starts a new read when the last state is `maxAgeMs` old and none runs; its failure is left to `read`. With
   * `maxAgeMs` 0 every query reads first, so there is nothing to refresh.
   */
  refresh(): void {
    const now = this.clock();
    const last = this.last;
    if (this.maxAgeMs <= 0 || this.running || !last || now - last.startedAt < this.maxAgeMs) return;
    this.start(now).catch(() => undefined);
  }

  private start(now: number): Promise<RollState | null> {
    if (this.running) return this.running;
    const read = readRollState(this.client, this.options.table).then((state) => {
      if (state?.head && state.readAtMs !== undefined) this.last = { state, startedAt: now };
      return state;
    });
    const running = read.finally(() => {
      if (this.running === running) this.running = undefined;
    });
    running.catch(() => undefined); // no unhandled rejection when a caller does not await it
    this.running = running;
    return running;
  }
}

/** True while `state`'s head may still be used, `elapsedMs` after the read began. */
function reusable(state: RollState, elapsedMs: number): boolean {
  return state.readAtMs! + elapsedMs - state.head!.atMs <= HEAD_REUSE_MS;
}

/** A query's rows, as JSONEachRow gives them. */
export async function queryRows<T>(
  client: ClickHouseClient,
  query: string,
  query_params: Record<string, unknown> = {},
  clickhouse_settings: ClickHouseSettings = {},
): Promise<T[]> {
  return (await client.query({ query, query_params, clickhouse_settings, format: 'JSONEachRow' })).json<T>();
}

/** `table`'s database and name as system tables' parameters (`db.table`, or the current database). */
function tableParams(table: string): { where: string; params: Record<string, string> } {
  const dot = table.indexOf('.');
  const database = dot < 0 ? 'currentDatabase()' : '{database:String}';
  const params: Record<string, string> =
    dot < 0 ? { table } : { database: table.slice(0, dot), table: table.slice(dot + 1) };
  return { where: `database = ${database}`, params };
}

/**
 * The partitions (`system.parts.partition`) that `table` has active parts in, from the parts' metadata: no
 * data is read.
 */
export async function activePartitions(client: ClickHouseClient, table: string): Promise<string[]> {
  const { where, params } = tableParams(table);
  const rows = await queryRows<{ partition: string }>(
    client,
    `SELECT DISTINCT partition FROM system.parts WHERE ${where} AND table = {table:String} AND active
ORDER BY partition`,
    params,
  );
  return rows.map((r) => r.partition);
}

/** How many active parts `table` has, from the parts' metadata (a miss reads a granule per part and id). */
export async function activeParts(client: ClickHouseClient, table: string): Promise<number> {
  const { where, params } = tableParams(table);
  const [row] = await queryRows<{ n: string }>(
    client,
    `SELECT count() AS n FROM system.parts WHERE ${where} AND table = {table:String} AND active`,
    params,
  );
  return Number(row?.n ?? 0);
}

/**
 * The months (YYYYMM) of `table`'s active partitions, oldest first, when it is partitioned by
 * `toYYYYMM(createdAt)` as the metric event table is (schema.ts); null when it is partitioned otherwise, so
 * that callers read it in one pass instead.
 */
export async function createdMonths(client: ClickHouseClient, table: string): Promise<number[] | null> {
  const { where, params } = tableParams(table);
  const [row] = await queryRows<{ key: string }>(
    client,
    `SELECT partition_key AS key FROM system.tables WHERE ${where} AND name = {table:String}`,
    params,
  );
  if (row?.key.replaceAll(' ', '') !== 'toYYYYMM(createdAt)') return null;
  return (await activePartitions(client, table)).map(Number);
}

/** The server's clock, in epoch ms: roll times and sweep deadlines are compared with it, never the host's. */
export async function serverNowMs(client: ClickHouseClient): Promise<number> {
  const [{ at } = { at: '0' }] = await queryRows<{ at: string }>(
    client,
    'SELECT toUnixTimestamp64Milli(now64(3)) AS at',
  );
  return Number(at);
}

/**
 * Takes back a roll (or compaction) of this process that lost its race: its daily rows first, then its
 * listing. Without this every lost roll stayed listed for good, and every read carries the listed gens off
 * the chain (`excluded`) and tests each row against them: a fleet whose hosts roll one table loses rolls
 * every day. Safe only once every insert of the roll has returned, so that none of its rows can land later,
 * and only for a roll that never committed: until the listing goes, readers skip its rows, and after it
 * there are none. A roll that crashed is not taken back (nobody knows whether its last insert still runs).
 */
export async function withdrawRoll(client: ClickHouseClient, table: string, gen: number): Promise<void> {
  const t = rollupTables(table);
  for (const from of [t.daily, t.rolls]) {
    await client.command({
      query: `ALTER TABLE ${from} DELETE WHERE gen = {gen:UInt64}`,
      query_params: { gen },
      clickhouse_settings: { mutations_sync: '2' },
    });
  }
}
