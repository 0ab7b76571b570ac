// The assertion most listener tests make: what a row's create moves, its delete takes back.

import { netTotals, runListener, type TableChanges } from '@engagement/event-bus/testing';
import type { DepsMap, ListenerDefinition, ResolvedDeps } from '@engagement/plugin-api';
import { expect } from 'vitest';
import { worldLookups } from './app-world.js';

/**
 * Runs `listener` (with fresh lookups over the world) on the create of `row` and expects it to move
 * `moved` (net, per `Entity:id:metric`), then on the delete of the same row and expects every one of
 * those moves taken back.
 */
export async function expectCreateAndDelete<D extends DepsMap>(
  listener: ListenerDefinition<D>,
  changes: TableChanges,
  row: Record<string, unknown>,
  moved: Record<string, number>,
): Promise<void> {
  // The listener is given the lookups it names (a listener without lookups ignores them).
  const lookups = worldLookups() as unknown as ResolvedDeps<D>;
  expect(netTotals(await runListener(listener, changes.created(row), lookups)), 'create').toEqual(moved);
  const takenBack = Object.fromEntries(Object.entries(moved).map(([key, value]) => [key, -value]));
  expect(netTotals(await runListener(listener, changes.deleted(row), lookups)), 'delete').toEqual(takenBack);
}
