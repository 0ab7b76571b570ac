// The lifecycle expectation as every listener of a kind makes it: tips, reactions.

import { expectRowLifecycle, fakeEvent, type TableChanges } from '@engagement/event-bus/testing';
import type { DepsMap, ListenerDefinition } from '@engagement/plugin-api';
import { it } from 'vitest';
import type { EntityType } from '../counting/metric-move.js';
import { REACTION_METRICS, tipRow } from './source-rows.js';

/**
 * A BuzzTip of `amount` on `entity` `id` counts one tip and the amount for it, follows its `entityId` to
 * `id + 1` and is taken back on delete. Tips are never edited: the no-op update writes the row again.
 */
export async function expectTipCounted<D extends DepsMap>(
  listener: ListenerDefinition<D>,
  entity: EntityType,
  id: number,
  amount: number,
): Promise<void> {
  await expectRowLifecycle({
    listeners: listener,
    changes: fakeEvent.postgres('BuzzTip'),
    row: tipRow(entity, id, amount),
    counts: { [`${entity}:${id}:tippedCount`]: 1, [`${entity}:${id}:tippedAmountCount`]: amount },
    move: { column: 'entityId', to: id + 1, entityType: entity },
  });
}

/**
 * One test per reaction kind: `row` with that kind counts as the kind's metric of the `entity` its
 * `column` names, follows the row to the next id of that column, and is taken back on delete. A reaction
 * has no column that is not counted: the no-op update writes the row again.
 */
export function itCountsEachReactionKind<D extends DepsMap>(
  listener: ListenerDefinition<D>,
  changes: TableChanges,
  row: Record<string, unknown>,
  parent: { column: string; entity: EntityType },
): void {
  const id = Number(row[parent.column]);
  it.each(REACTION_METRICS)(
    `a %s counts as %s through its life: create, update, move to another ${parent.entity}, delete`,
    async (reaction, metric) => {
      await expectRowLifecycle({
        listeners: listener,
        changes,
        row: { ...row, reaction },
        counts: { [`${parent.entity}:${id}:${metric}`]: 1 },
        move: { column: parent.column, to: id + 1, entityType: parent.entity },
      });
    },
  );
}
