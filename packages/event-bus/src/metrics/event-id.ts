import { sha256Hex } from '../events/sha256.js';

/**
 * The id of the `index`-th metric event a listener emitted for a change. It depends only on the change's
 * identity, so a redelivered change yields the same ids and ClickHouse can collapse the duplicates.
 */
export function metricEventId(changeId: string, listenerId: string, index: number): string {
  return sha256Hex(`${changeId}\u0000${listenerId}\u0000${index}`).slice(0, 32);
}
