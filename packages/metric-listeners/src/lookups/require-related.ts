import { MetricListenerError } from '../errors.js';
import type { Lookup } from './lookup.js';

/**
 * Like `lookup.get`, but a row that is neither in its table nor in the archive of deleted rows is a
 * non-retriable `ML_RELATED_ROW_MISSING`: the archive is written in the deleting transaction, so a child
 * whose change is visible always finds its parent unless the parent never existed or the archive was
 * purged too early. The change is dead-lettered for this listener only.
 */
export async function requireRelated<V>(lookup: Lookup<V>, id: number, what: string): Promise<V> {
  const found = await lookup.get(id);
  if (found === undefined) {
    throw new MetricListenerError(
      'ML_RELATED_ROW_MISSING',
      `${what} ${id} is neither in Postgres nor in its deleted-row archive`,
    );
  }
  return found;
}
