import { deepStrictEqual } from 'node:assert/strict';
import { type EntityMetricEvent, type ListenerDefinition, readRow } from '@engagement/plugin-api';
import type { FakeChange, TableChanges } from './fake-events.js';
import { netTotals } from './net-totals.js';
import { runListener } from './run-listener.js';

type Row = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: listeners keep their own dependency types
type AnyListener = ListenerDefinition<any>;

/** A row to take through its life, and what it must count. */
export interface RowLifecycle {
  /** The listener, or the listeners, that see the row's table. */
  listeners: AnyListener | readonly AnyListener[];
  /** The row's table: `fakeEvent.postgres('ArticleReaction')`. */
  changes: TableChanges;
  /** The row as Debezium sends it, its creation time in `createdAtColumn`. */
  row: Row;
  /** What its create must add, net per `Entity:id:metric`: `{ 'Article:7:likeCount': 1 }`. */
  counts: Record<string, number>;
  /**
   * A move to another parent: the counts of the parent's entity must follow the row from the old id to the
   * new one. Several moves are made in one update (a review moved to a version of another model changes
   * both its `modelVersionId` and its `modelId`).
   */
  move?: ParentMove | readonly ParentMove[];
  /** Columns the first update changes, none of them counted (default: none, the row written again as it is). */
  unchanged?: Row;
  /** The column of the row's creation time (default `createdAt`): every event must be dated by it. */
  createdAtColumn?: string;
  /** The listeners' dependencies by the names they declare, as `runListener`'s `deps`. */
  deps?: Record<string, unknown>;
}

/** A move of the row to another parent: the row's column naming the parent, its new id, the entity type. */
export interface ParentMove {
  column: string;
  to: number;
  entityType: string;
  /**
   * The counted entity's ids before and after, when the column names it through another row (a comment's
   * `threadId`, whose thread names the image): default the column's old value and `to`.
   */
  entityIds?: { from: number; to: number };
}

/** The events of each step of a row's life, for further checks. */
export interface RowLifecycleEvents {
  created: EntityMetricEvent[];
  updated: EntityMetricEvent[];
  moved: EntityMetricEvent[];
  deleted: EntityMetricEvent[];
}

const DAY_MS = 86_400_000;

/**
 * Runs a row's life through the listeners: its create, an update that changes nothing counted, a move to
 * other parents (with `move`), its delete. Throws an `AssertionError` naming the step unless the create adds
 * `counts`, the update moves nothing, the move carries each parent's counts to the new parent, the delete
 * leaves every total at zero, and every event is dated by the row's creation time. Each change is committed
 * days after the row was created, so an event dated by its change shows.
 */
export async function expectRowLifecycle(life: RowLifecycle): Promise<RowLifecycleEvents> {
  const listeners: readonly AnyListener[] = Array.isArray(life.listeners) ? life.listeners : [life.listeners];
  const column = life.createdAtColumn ?? 'createdAt';
  const createdAt = readRow(life.row).date(column);
  const committed = (days: number) => new Date(createdAt.getTime() + days * DAY_MS);
  const all: EntityMetricEvent[] = [];
  const run = async (step: string, change: FakeChange, expected: Record<string, number>) => {
    const events: EntityMetricEvent[] = [];
    for (const listener of listeners) events.push(...(await runListener(listener, change, life.deps)));
    all.push(...events);
    deepStrictEqual(netTotals(all), expected, `net totals after the ${step}`);
    const misdated = events.find((e) => e.createdAt.getTime() !== createdAt.getTime());
    if (misdated) {
      deepStrictEqual(
        misdated.createdAt,
        createdAt,
        `${misdated.entityType}:${misdated.entityId}:${misdated.metricType} from the ${step} must be dated by ` +
          `the row's ${column}, not by its change (committed at ${change.event.occurredAt.toISOString()}) or a clock`,
      );
    }
    return events;
  };

  const created = await run('create', life.changes.created(life.row, committed(1)), life.counts);
  const kept = { ...life.row, ...life.unchanged };
  const update = life.changes.updated(life.row, kept, committed(2));
  const updated = await run('update that changes nothing counted', update, life.counts);
  let moved: EntityMetricEvent[] = [];
  let last = kept;
  const moves: readonly ParentMove[] = life.move === undefined ? [] : [life.move].flat();
  if (moves.length > 0) {
    const renames = moves.map(({ column: parent, to, entityType, entityIds }) => {
      const from = entityIds?.from ?? Number(kept[parent]);
      const prefix = `${entityType}:${from}:`;
      if (!Object.keys(life.counts).some((key) => key.startsWith(prefix))) {
        throw new Error(
          `expectRowLifecycle: counts hold nothing of ${entityType} ${from}, the row's ${parent}`,
        );
      }
      return { prefix, into: `${entityType}:${entityIds?.to ?? to}:` };
    });
    const after = Object.fromEntries(
      Object.entries(life.counts).map(([key, value]) => {
        const rename = renames.find((r) => key.startsWith(r.prefix));
        return [rename ? rename.into + key.slice(rename.prefix.length) : key, value];
      }),
    );
    last = { ...kept, ...Object.fromEntries(moves.map((m) => [m.column, m.to])) };
    const step = `move to ${renames.map((r) => r.into.slice(0, -1).replace(':', ' ')).join(' and ')}`;
    moved = await run(step, life.changes.updated(kept, last, committed(3)), after);
  }
  const deleted = await run('delete', life.changes.deleted(last, committed(4)), {});
  return { created, updated, moved, deleted };
}
