/** Hex digits of one 64-bit LSN in a source position. */
const LSN_HEX_DIGITS = 16;
const MAX_LSN = (1n << 64n) - 1n;

/**
 * Debezium's Postgres `source.sequence`, `["<lastCommitLsn>","<lsn>"]` (decimal text), as a string whose
 * order is the pair's order: both LSNs as 16 lowercase hex digits, `<lastCommitLsn>:<lsn>`. Debezium added
 * the field so consumers can drop re-sent changes (DBZ-3834): in one topic partition the positions of
 * distinct changes only go up (transactions in commit order, changes in WAL order within one), and a change
 * re-sent after a Kafka Connect restart carries its original sequence.
 *
 * Null (no position: never taken for a re-send) when the field is absent or not that shape, and when either
 * LSN is null: snapshot reads, and the first transaction a connector streams without stored offsets, whose
 * `lastCommitLsn` is unknown and would sort below every position seen before.
 */
export function debeziumSourcePosition(sequence: unknown): string | null {
  if (typeof sequence !== 'string') return null;
  // Every streamed change has one: the exact shape Debezium writes, read without JSON.parse.
  const plain = PLAIN_PAIR.exec(sequence);
  if (plain) {
    const lastCommit = lsnHex(plain[1]);
    const lsn = lsnHex(plain[2]);
    return lastCommit === null || lsn === null ? null : `${lastCommit}:${lsn}`;
  }
  let pair: unknown;
  try {
    pair = JSON.parse(sequence);
  } catch {
    return null;
  }
  if (!Array.isArray(pair) || pair.length !== 2) return null;
  const lastCommit = lsnHex(pair[0]);
  const lsn = lsnHex(pair[1]);
  return lastCommit === null || lsn === null ? null : `${lastCommit}:${lsn}`;
}

/** `["<digits>","<digits>"]`, as Debezium writes the pair. */
const PLAIN_PAIR = /^\["(\d{1,20})","(\d{1,20})"\]$/;

function lsnHex(value: unknown): string | null {
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) return null;
  // Up to 15 digits is below 2^53: a number gives the same hex as a BigInt, without allocating one.
  if (value.length <= 15) return Number(value).toString(16).padStart(LSN_HEX_DIGITS, '0');
  const lsn = BigInt(value);
  return lsn > MAX_LSN ? null : lsn.toString(16).padStart(LSN_HEX_DIGITS, '0');
}
