// The create-and-delete expectation as every listener of a kind makes it: tips, reactions.

import { fakeEvent, type TableChanges } from '@engagement/event-bus/testing';
import type { DepsMap, ListenerDefinition } from '@engagement/plugin-api';
import { it } from 'vitest';
import { expectCreateAndDelete } from './expect-moves.js';
import { REACTION_METRICS, tipRow } from './source-rows.js';

/** A BuzzTip of `amount` on `entity` `id` counts one tip and the amount for it; its delete takes both back. */
export async function expectTipCounted<D extends DepsMap>(
  listener: ListenerDefinition<D>,
  entity: string,
  id: number,
  amount: number,
): Promise<void> {
  await expectCreateAndDelete(listener, fakeEvent.postgres('BuzzTip'), tipRow(entity, id, amount), {
    [`${entity}:${id}:tippedCount`]: 1,
    [`${entity}:${id}:tippedAmountCount`]: amount,
  });
}

/**
 * One test per reaction kind: `row` with that kind counts as the kind's metric of `counted` (`Entity:id`),
 * and its delete takes it back.
 */
export function itCountsEachReactionKind<D extends DepsMap>(
  listener: ListenerDefinition<D>,
  changes: TableChanges,
  row: Record<string, unknown>,
  counted: string,
): void {
  it.each(REACTION_METRICS)('a %s counts as %s; delete takes it back', async (reaction, metric) => {
    await expectCreateAndDelete(listener, changes, { ...row, reaction }, { [`${counted}:${metric}`]: 1 });
  });
}
