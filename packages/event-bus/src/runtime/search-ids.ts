import type { EntityMetricEvent } from '@engagement/plugin-api';

/**
 * The entity ids of `events` grouped by the search-update queue their entity type feeds (`indexes`: entity
 * type → queue name), in event order, repeats kept (the queue coalesces them). Types without a queue are
 * left out. Appends in place: copying each list per event made a 50k-event batch quadratic.
 */
export function searchIdsByIndex(
  events: readonly Pick<EntityMetricEvent, 'entityType' | 'entityId'>[],
  indexes: Readonly<Record<string, string>>,
): Map<string, number[]> {
  const byIndex = new Map<string, number[]>();
  for (const e of events) {
    const index = indexes[e.entityType];
    if (!index) continue;
    const list = byIndex.get(index);
    if (list) list.push(e.entityId);
    else byIndex.set(index, [e.entityId]);
  }
  return byIndex;
}

/** The same for distinct entities (`StoredRows.entities`: entity type → ids), each id once. */
export function searchIdsOfEntities(
  entities: ReadonlyMap<string, ReadonlySet<number>>,
  indexes: Readonly<Record<string, string>>,
): Map<string, number[]> {
  const byIndex = new Map<string, number[]>();
  for (const [type, ids] of entities) {
    const index = indexes[type];
    if (!index) continue;
    const list = byIndex.get(index);
    if (list) for (const id of ids) list.push(id);
    else byIndex.set(index, [...ids]);
  }
  return byIndex;
}
