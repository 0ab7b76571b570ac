import {
  type ChangeEvent,
  type ChangeSource,
  type DepsMap,
  defineListener,
  type ListenerDefinition,
  type MetricTruth,
  type ResolvedDeps,
  type RowReader,
  readRow,
} from '@engagement/plugin-api';
import { MetricListenerError } from '../errors.js';
import type { Lookup } from '../lookups/lookup.js';
import type { Contribution, MetricMove, SourceOp, Touch } from './metric-move.js';
import { netContributions, type TimedContribution, timed } from './net-contributions.js';

/** What a metric listener declares, besides its code: the source of the docs' mapping table. */
export interface MetricListenerDeclaration {
  readonly source: ChangeSource;
  readonly table: string;
  readonly ops: readonly SourceOp[];
  readonly moves: readonly MetricMove[];
}

/** A listener made by `defineMetricListener`: an ordinary event-bus listener plus its declaration. */
export type MetricListener<D extends DepsMap = DepsMap> = ListenerDefinition<D> & {
  readonly declaration: MetricListenerDeclaration;
  /** Loads the related ids a batch of changes will need, in one query per lookup (see BatchLookup). */
  prefetch(events: readonly ChangeEvent[], deps: ResolvedDeps<D>): Promise<void>;
};

export interface MetricListenerSpec<D extends DepsMap> {
  id: string;
  /** Default `postgres`. ClickHouse rows arrive as creates. */
  source?: ChangeSource;
  table: string;
  /** The operations that can move these metrics; others are not handled. */
  ops: readonly SourceOp[];
  moves: readonly MetricMove[];
  deps?: D;
  /** The counted row's creation time column (every metric event's `createdAt`). Default `createdAt`. */
  createdAtColumn?: string;
  /** For each lookup in `deps`, the id(s) a row needs from it (null when the row needs none). */
  related?: { [K in keyof D]?: (row: RowReader) => number | readonly number[] | null };
  /** What one row contributes while it exists. Return [] for rows that count nowhere. */
  count(row: RowReader, deps: ResolvedDeps<D>): readonly Contribution[] | Promise<readonly Contribution[]>;
  /**
   * The entities whose `kept: 'recompute'` metrics depend on this row (e.g. an image's post). On a create
   * the new row's are touched, on a delete the old row's, on an update both unless the row's touches and
   * `createdAt` did not change. Each touch names the metrics this listener declares as recomputed for its
   * entity type.
   */
  touches?(row: RowReader, deps: ResolvedDeps<D>): readonly Touch[] | Promise<readonly Touch[]>;
  /**
   * The same metrics computed from the source with SQL, written apart from `count` (`postgresTruth`,
   * `clickhouseTruth`): reconcile and repair compare stored events with it. It must cover exactly the
   * metrics of `moves`; without it the listener is reported as not reconcilable.
   */
  truth?: readonly MetricTruth[];
}

const OP_OF = { create: 'c', update: 'u', delete: 'd' } as const;

/**
 * Defines a listener from what one row counts. Creates add the new row's contributions, deletes take back
 * the old row's, updates move the difference; snapshot reads are ignored (history comes from the backfill).
 * Every event is dated by the counted row's own creation time, so windowed sums equal windowed row counts.
 */
export function defineMetricListener<D extends DepsMap = Record<string, never>>(
  spec: MetricListenerSpec<D>,
): MetricListener<D> {
  const source = spec.source ?? 'postgres';
  const createdAtColumn = spec.createdAtColumn ?? 'createdAt';
  const ops = new Set(spec.ops);
  const metricKeys = (moves: readonly MetricMove[]) =>
    new Set(moves.flatMap((m) => m.metrics.map((metric) => `${m.entity}:${metric}`)));
  const declared = metricKeys(spec.moves.filter((m) => m.kept !== 'recompute'));
  /** Metrics whose decreases touch instead of being emitted (`kept: 'increases'`). */
  const decreasesTouch = metricKeys(spec.moves.filter((m) => m.kept === 'increases'));
  const recomputed = new Map<string, string[]>();
  for (const m of spec.moves.filter((x) => x.kept === 'recompute' || x.kept === 'increases'))
    recomputed.set(m.entity, [...(recomputed.get(m.entity) ?? []), ...m.metrics]);
  if (spec.moves.some((m) => m.kept === 'recompute') && !spec.touches) {
    throw new MetricListenerError(
      'ML_UNDECLARED_METRIC',
      `${spec.id} declares recomputed metrics but no touches: nothing would recompute them`,
    );
  }
  const everyMetric = new Set(spec.moves.flatMap((m) => m.metrics.map((metric) => `${m.entity}:${metric}`)));
  if (spec.truth) checkTruthCoversMoves(spec.id, everyMetric, spec.truth);
  const accepts = (e: ChangeEvent): boolean =>
    e.source === source && e.table === spec.table && e.op !== 'snapshot' && ops.has(OP_OF[e.op]);

  const contributionsOf = async (
    row: Record<string, unknown> | null,
    deps: ResolvedDeps<D>,
  ): Promise<TimedContribution[]> => {
    if (row === null) return [];
    const reader = readRow(row);
    const counted = await spec.count(reader, deps);
    if (counted.length === 0) return [];
    const createdAt = reader.date(createdAtColumn);
    return counted.map((c) => timed(c, c.value, createdAt));
  };

  /** The touches of one row, as `Type:id` keys, and the row's createdAt (a change of it re-dates windows). */
  const touchesOf = async (
    row: Record<string, unknown> | null,
    deps: ResolvedDeps<D>,
  ): Promise<{ keys: Set<string>; createdAt: number | null }> => {
    if (row === null || !spec.touches) return { keys: new Set(), createdAt: null };
    const reader = readRow(row);
    const touched = await spec.touches(reader, deps);
    const keys = new Set<string>();
    for (const t of touched) {
      if (!recomputed.has(t.entityType)) {
        throw new MetricListenerError(
          'ML_UNDECLARED_METRIC',
          `${spec.id} touched ${t.entityType}, for which its moves declare no recomputed metric`,
        );
      }
      keys.add(`${t.entityType}:${t.entityId}`);
    }
    return { keys, createdAt: keys.size > 0 ? reader.date(createdAtColumn).getTime() : null };
  };

  const listener = defineListener<D>({
    id: spec.id,
    tables: [spec.table],
    deps: spec.deps,
    ...(spec.truth ? { truth: Object.freeze([...spec.truth]) } : {}),
    canHandle: accepts,
    async handle(e, ctx) {
      if (e.op === 'update' && e.before === null) {
        throw new MetricListenerError(
          'ML_UPDATE_WITHOUT_BEFORE',
          `${spec.table} update ${e.id} has no before row; set REPLICA IDENTITY FULL`,
        );
      }
      const deps = ctx as unknown as ResolvedDeps<D>;
      if (spec.touches) {
        const old = e.op === 'create' ? null : await touchesOf(e.before, deps);
        const now = e.op === 'delete' ? null : await touchesOf(e.after, deps);
        const same =
          old !== null &&
          now !== null &&
          old.createdAt === now.createdAt &&
          old.keys.size === now.keys.size &&
          [...old.keys].every((k) => now.keys.has(k));
        if (!same) {
          for (const key of new Set([...(old?.keys ?? []), ...(now?.keys ?? [])])) {
            const colon = key.lastIndexOf(':');
            const entityType = key.slice(0, colon);
            ctx.metrics.touch(entityType, Number(key.slice(colon + 1)), recomputed.get(entityType));
          }
        }
      }
      const before = e.op === 'create' ? [] : await contributionsOf(e.before, deps);
      const after = e.op === 'delete' ? [] : await contributionsOf(e.after, deps);
      for (const c of netContributions(before, after)) {
        const metric = `${c.entityType}:${c.metricType}`;
        if (!declared.has(metric)) {
          throw new MetricListenerError(
            'ML_UNDECLARED_METRIC',
            `${spec.id} emitted ${metric}, which its moves do not declare`,
          );
        }
        if (c.value < 0 && decreasesTouch.has(metric)) {
          ctx.metrics.touch(c.entityType, c.entityId, recomputed.get(c.entityType));
          continue;
        }
        ctx.metrics.add({
          entityType: c.entityType,
          entityId: c.entityId,
          userId: c.userId ?? 0,
          metricType: c.metricType,
          metricValue: c.value,
          createdAt: c.createdAt,
        });
      }
    },
  });

  return Object.freeze({
    ...listener,
    declaration: Object.freeze({ source, table: spec.table, ops: [...spec.ops], moves: spec.moves }),
    async prefetch(events: readonly ChangeEvent[], deps: ResolvedDeps<D>): Promise<void> {
      const related = Object.entries(spec.related ?? {}) as [string, RelatedIds][];
      if (related.length === 0) return;
      const ids = new Map<string, Set<number>>(related.map(([name]) => [name, new Set()]));
      for (const e of events) {
        if (!accepts(e)) continue;
        for (const row of [e.before, e.after]) {
          if (row === null) continue;
          const reader = readRow(row);
          for (const [name, idOf] of related) {
            // A row that cannot be read is handled (and dead-lettered) by `handle`; prefetch only warms.
            const found = attempt(() => idOf(reader));
            for (const id of typeof found === 'number' ? [found] : (found ?? [])) ids.get(name)!.add(id);
          }
        }
      }
      await Promise.all(
        related.map(([name]) =>
          ((deps as Record<string, unknown>)[name] as Lookup<unknown>).prefetch(ids.get(name)!),
        ),
      );
    },
  });
}

/** A truth must name exactly the metrics the listener moves: no more (nothing emits them), no fewer. */
function checkTruthCoversMoves(id: string, declared: Set<string>, truth: readonly MetricTruth[]): void {
  const covered = new Set(truth.flatMap((t) => t.metrics.map((m) => `${t.entityType}:${m}`)));
  const extra = [...covered].filter((m) => !declared.has(m));
  const missing = [...declared].filter((m) => !covered.has(m));
  if (extra.length > 0 || missing.length > 0) {
    throw new MetricListenerError(
      'ML_TRUTH_MISMATCH',
      `${id}: its truth ${extra.length ? `names undeclared ${extra.join(', ')}` : ''}${extra.length && missing.length ? ' and ' : ''}${missing.length ? `leaves out ${missing.join(', ')}` : ''}`,
    );
  }
}

type RelatedIds = (row: RowReader) => number | readonly number[] | null;

function attempt(read: () => ReturnType<RelatedIds>): ReturnType<RelatedIds> {
  try {
    return read();
  } catch {
    return null;
  }
}
