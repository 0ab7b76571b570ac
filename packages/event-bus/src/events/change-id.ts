import { sha256Hex } from './sha256.js';

/**
 * JSON with object keys sorted, so equal values always serialize to equal text whatever order the
 * producer wrote the keys in (Debezium's key order follows column order, which can change on ALTER).
 */
export function stableStringify(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A fixed-length change identity: `<prefix>:` and 32 hex chars (128 bits) of SHA-256 over the parts.
 * Hashing keeps ids short and uniform for downstream dedup keys, whatever the row key looks like.
 */
export function changeId(prefix: 'pg' | 'ch', parts: readonly unknown[]): string {
  return `${prefix}:${sha256Hex(stableStringify(parts)).slice(0, 32)}`;
}
