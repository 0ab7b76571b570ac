import { sha256Hex } from './sha256.js';

/**
 * JSON with object keys sorted, so equal values always serialize to equal text whatever order the
 * producer wrote the keys in (Debezium's key order follows column order, which can change on ALTER).
 * Built by concatenation rather than entries, `map` and `join`: it runs for every change, and its text is
 * hashed into stored ids, so it must never change (change-id.test.ts compares it with the first version).
 */
export function stableStringify(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // A hole or a value JSON cannot write adds nothing, as `map` and `join` did.
      if (i in value) out += stableStringify(value[i]) ?? '';
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  // Keys are distinct, and the default sort compares UTF-16 code units as `<` does.
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const key of keys) {
    const v = record[key];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${stableStringify(v)}`;
  }
  return `${out}}`;
}

/**
 * A fixed-length change identity: `<prefix>:` and 32 hex chars (128 bits) of SHA-256 over the parts.
 * Hashing keeps ids short and uniform for downstream dedup keys, whatever the row key looks like.
 */
export function changeId(prefix: 'pg' | 'ch', parts: readonly unknown[]): string {
  return `${prefix}:${sha256Hex(sortedJson(parts) ?? stableStringify(parts)).slice(0, 32)}`;
}

/**
 * `JSON.stringify(parts)` where it writes exactly `stableStringify`'s text, else undefined: every part a
 * string, a finite number, a boolean or null, or a plain object of those whose keys are already in sorted
 * order (a row key such as `{"id":7}`, the common change id). Then one native call writes what
 * `stableStringify` builds piece by piece (it enumerates keys in `Object.keys` order, which is sorted here).
 */
function sortedJson(parts: readonly unknown[]): string | undefined {
  for (const part of parts) {
    if (isScalar(part)) continue;
    if (typeof part !== 'object' || Object.getPrototypeOf(part) !== Object.prototype) return undefined;
    const record = part as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let i = 0; i < keys.length; i++) {
      if ((i > 0 && keys[i - 1]! >= keys[i]!) || !isScalar(record[keys[i]!])) return undefined;
    }
  }
  return JSON.stringify(parts);
}

const isScalar = (value: unknown): boolean =>
  value === null ||
  typeof value === 'string' ||
  typeof value === 'boolean' ||
  (typeof value === 'number' && Number.isFinite(value));
