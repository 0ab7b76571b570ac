import { MetricListenerError } from '../errors.js';
import type { Lookup } from './lookup.js';

/**
 * The related ids of `id`: from memory, the database, or — for a parent already deleted — its own change,
 * waited for a bounded time. Undefined when none of them has it.
 */
export async function findRelated<V>(lookup: Lookup<V>, id: number): Promise<V | undefined> {
  return (await lookup.get(id)) ?? (await lookup.whenRemembered(id));
}

/**
 * Like `findRelated`, but a miss is a retriable `ML_RELATED_ROW_MISSING`: the parent was deleted before
 * its children's changes were processed and its own change was not seen here in time. After the retries
 * the change is dead-lettered for this listener only and can be redriven.
 */
export async function requireRelated<V>(lookup: Lookup<V>, id: number, what: string): Promise<V> {
  const found = await findRelated(lookup, id);
  if (found === undefined) {
    throw new MetricListenerError(
      'ML_RELATED_ROW_MISSING',
      `${what} ${id} is neither in Postgres nor remembered`,
    );
  }
  return found;
}
