/**
 * What entity and metric type names may hold. They become parts of cache keys and fields
 * (`metrics:{s<k>}:<entityType>:<entityId>`, `<metricType>:<timeframe>`, bookkeeping fields `~at` and `~hw:…`)
 * and of touch queue members (`<id>:<m1>,<m2>`), so a `:` in a metric type would write into another metric's
 * window (`likeCount:week` is likeCount's week), a leading `~` into the fill's bookkeeping, a `,` split a
 * touch's list, and a `:` in an entity type would hide its hashes from the drift scan. Names are checked where
 * they come in (a listener's output, a read), never repaired.
 */

/** Why `name` cannot be a metric type, or undefined when it can. */
export function invalidMetricType(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return `${shownValue(name)} is not a non-empty string`;
  if (name.startsWith('~'))
    return `${shownValue(name)} starts with "~" (kept for the cache's bookkeeping fields)`;
  if (name.includes(':') || name.includes(',')) return `${shownValue(name)} contains ":" or ","`;
  return undefined;
}

/** Why `name` cannot be an entity type, or undefined when it can. */
export function invalidEntityType(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return `${shownValue(name)} is not a non-empty string`;
  if (name.includes(':')) return `${shownValue(name)} contains ":"`;
  return undefined;
}

/** A value as an error message shows it: strings quoted (so "" and " 1" are visible), anything else as is. */
export const shownValue = (value: unknown): string =>
  typeof value === 'string' ? JSON.stringify(value) : String(value);
