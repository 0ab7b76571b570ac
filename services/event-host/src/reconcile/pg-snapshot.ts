/**
 * A Postgres snapshot as `pg_current_snapshot()` renders it (`xmin:xmax:xip,…`, 64-bit xids with epoch), and
 * whether a stored event's source transaction is visible in it.
 *
 * Debezium's `source.txId` is the 32-bit xid (pgoutput's BEGIN carries no epoch). A 32-bit xid is placed
 * next to the snapshot the way Postgres itself compares xids: by its signed 32-bit distance from `xmax`.
 * Distance < 0: it started before `xmax`, full xid = xmax − |distance|, visible unless in `xip`. Distance ≥ 0:
 * it started at or after `xmax`, not visible. This is exact for every xid within 2^31 transactions of the
 * snapshot; older events are counted without this test (see `insertedBefore` in stored-totals.ts), which is
 * why it never has to tell an ancient xid from a future one.
 */
export interface PgSnapshot {
  /** The text `pg_current_snapshot()` returned, e.g. `4294968000:4294968010:4294968003,4294968007`. */
  text: string;
  xmin: bigint;
  xmax: bigint;
  /** Transactions in progress when the snapshot was taken (not visible). */
  xip: readonly bigint[];
}

const TWO_32 = 1n << 32n;
const TWO_31 = 1n << 31n;

/** Parses `pg_current_snapshot()::text`. */
export function parsePgSnapshot(text: string): PgSnapshot {
  const match = /^(\d+):(\d+):([\d,]*)$/.exec(text.trim());
  if (!match) throw new TypeError(`not a pg_snapshot: ${JSON.stringify(text)}`);
  const xmin = BigInt(match[1]!);
  const xmax = BigInt(match[2]!);
  const xip = match[3] ? match[3].split(',').map((x) => BigInt(x)) : [];
  if (xmin > xmax || xip.some((x) => x < xmin || x >= xmax)) {
    throw new TypeError(`inconsistent pg_snapshot: ${text}`);
  }
  return { text: text.trim(), xmin, xmax, xip };
}

/** The full (epoch-qualified) xid a 32-bit xid stands for next to this snapshot, or null if at/after xmax. */
export function fullXidBefore(snapshot: PgSnapshot, xid32: number): bigint | null {
  const distance = (BigInt(xid32) - (snapshot.xmax % TWO_32) + TWO_32) % TWO_32;
  if (distance < TWO_31) return null;
  return snapshot.xmax - (TWO_32 - distance);
}

/** Whether the transaction with this 32-bit xid had committed when the snapshot was taken. */
export function isVisible(snapshot: PgSnapshot, xid32: number): boolean {
  const full = fullXidBefore(snapshot, xid32);
  return full !== null && !snapshot.xip.includes(full);
}

/**
 * The same test as ClickHouse SQL over a nullable `sourceTx` column, and its parameters: true when the
 * row's source transaction is visible in the snapshot (false for NULL; callers count NULL separately).
 */
export function visibleInSnapshotSql(snapshot: PgSnapshot): { sql: string; params: Record<string, unknown> } {
  const distance = `((toInt64(assumeNotNull(sourceTx)) - {xmax32:Int64} + 4294967296) % 4294967296)`;
  return {
    sql: `(sourceTx IS NOT NULL AND ${distance} >= 2147483648
      AND NOT has({xip:Array(Int64)}, {xmax:Int64} - (4294967296 - ${distance})))`,
    // Full xids stay far below 2^53 (the epoch grows by one every 4 billion transactions).
    params: {
      xmax32: Number(snapshot.xmax % TWO_32),
      xmax: Number(snapshot.xmax),
      xip: snapshot.xip.map(Number),
    },
  };
}
