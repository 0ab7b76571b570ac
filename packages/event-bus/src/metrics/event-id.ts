import { createHash } from 'node:crypto';

/**
 * The id of the `index`-th metric event a listener emitted for a change. It depends only on the change's
 * identity, so a redelivered change yields the same ids and ClickHouse can collapse the duplicates.
 */
export function metricEventId(changeId: string, listenerId: string, index: number): string {
  return createHash('sha256')
    .update(`${changeId}\u0000${listenerId}\u0000${index}`)
    .digest('hex')
    .slice(0, 32);
}
