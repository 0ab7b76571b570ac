import { truthPlan } from '@engagement/event-bus/truth';
import type pg from 'pg';
import { HostError } from '../errors.js';
import { type ReconcileOptions, type ReconcileReport, reconcile } from './reconcile.js';

export interface BackfillOptions
  extends Omit<ReconcileOptions, 'selection' | 'repair' | 'throttle' | 'onRound' | 'onProgress'> {
  /** At most this many entities per second (default: no bound), to bound the load on Postgres. */
  rate?: number;
  /** Redis hash of the saved progress (entity type → last id done). A run resumes from it; finishing clears it. */
  progressKey: string;
  /** Forget saved progress and start from the first entity. */
  restart?: boolean;
  /** Stops the run between rounds, as a kill would (tests). */
  signal?: AbortSignal;
  onProgress?(progress: BackfillProgress): void;
}

/** Where a backfill stands, after each round. */
export interface BackfillProgress {
  entityType: string;
  /** Rounds this run has finished: 0 in the first report, made before the lock is taken and any round. */
  rounds: number;
  done: number;
  /**
   * Entities to check: the source rows counted at the start, and never fewer than `done` (entities found
   * since: rows created meanwhile, stored events whose source row is gone), so progress never passes 100%.
   */
  total: number;
  /** Source rows (truth groups) read per second, entities per second, since this run started. */
  rowsPerSecond: number;
  entitiesPerSecond: number;
  etaSeconds: number | null;
  corrections: number;
}

export interface BackfillReport extends ReconcileReport {
  /** Entity type → last id a previous, interrupted run had finished (this run started after it). */
  resumedFrom: Record<string, number>;
  truthRows: number;
}

/**
 * History: every entity of the chosen types, compared with its truth and repaired, in keyset order, which
 * is reconcile with `--all --repair`. A metric whose stored history is empty (it went live after its rows
 * were written) gets its history as corrections; rows streamed since go-live (their later updates and
 * deletes too) are counted once, by the snapshot rule (docs/reconcile.md). Progress is saved after each
 * round's corrections are written: a run killed in between redoes that round, comparing again, so nothing
 * is written twice.
 */
export async function backfill(options: BackfillOptions): Promise<BackfillReport> {
  const { redis } = options;
  const progressKey = backfillProgressKey(options.progressKey, options);
  if (options.restart) await redis.del(progressKey);
  const saved = await redis.hgetall(progressKey);
  const after = new Map(Object.entries(saved).map(([type, id]) => [type, Number(id)]));
  const types = options.entityTypes ?? [...truthPlan(options.plugins).byEntityType.keys()].sort();
  const totals = await entityCounts(options.postgres, types, after);
  let done = [...totals.values()].reduce((n, t) => n + t.done, 0);
  let total = [...totals.values()].reduce((n, t) => n + t.total, 0);
  const started = performance.now();
  let read = 0;
  let entitiesThisRun = 0;
  let rowsThisRun = 0;
  let corrections = 0;
  let rounds = 0;
  const { onProgress, ...rest } = options;
  // A first line before the lock, the stream's catch-up and the first round, which can take minutes.
  if (types[0] !== undefined) {
    onProgress?.({
      entityType: types[0],
      rounds: 0,
      done,
      total,
      rowsPerSecond: 0,
      entitiesPerSecond: 0,
      etaSeconds: null,
      corrections: 0,
    });
  }
  const report = await reconcile({
    ...rest,
    entityTypes: types,
    selection: { kind: 'all', after },
    repair: true,
    // The host's recompute passes take the repair lock for seconds, often: wait for one to end.
    lockWaitMs: rest.lockWaitMs ?? 30_000,
    // A backfill's differences are its history: written as corrections, counted, not kept.
    keepDifferences: options.keepDifferences ?? 1_000,
    async throttle(entities) {
      read += entities;
      if (!options.rate) return;
      const ahead = (read / options.rate) * 1000 - (performance.now() - started);
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
    },
    async onRound(round) {
      if (options.signal?.aborted)
        throw new HostError(
          'EH_BACKFILL_STOPPED',
          'backfill stopped (its last round written, not yet saved as progress); run it again to resume',
        );
      if (!round.caughtUp) {
        throw new HostError(
          'EH_NOT_CAUGHT_UP',
          `the stream did not store a snapshot within reconcile.waitMs (is a host of group ${options.groupId} ` +
            'running and caught up?); progress is saved up to the last round that completed, run again to resume',
          { retriable: true },
        );
      }
      const last = new Map<string, number>();
      for (const b of round.batches) {
        last.set(b.entityType, Math.max(last.get(b.entityType) ?? -Infinity, ...b.entityIds));
        done += b.entityIds.length;
        entitiesThisRun += b.entityIds.length;
        rowsThisRun += b.truthRows;
      }
      await redis.hset(progressKey, Object.fromEntries(last));
      corrections += round.corrections;
      const seconds = (performance.now() - started) / 1000;
      const perSecond = entitiesThisRun / seconds;
      total = Math.max(total, done);
      onProgress?.({
        entityType: round.batches.at(-1)!.entityType,
        rounds: ++rounds,
        done,
        total,
        rowsPerSecond: rowsThisRun / seconds,
        entitiesPerSecond: perSecond,
        etaSeconds: perSecond > 0 ? (total - done) / perSecond : null,
        corrections,
      });
    },
  });
  await redis.del(progressKey);
  return { ...report, resumedFrom: Object.fromEntries(after), truthRows: rowsThisRun };
}

/**
 * The Redis hash of a run's saved progress. Progress says "every chosen metric of the entities up to this id
 * is done", so it only carries over to a run that chose the same metrics: a run with `--metric`,
 * `--plugin` or `--listener` keeps its progress under a key of its own (the base key suffixed with its
 * metric selection). Otherwise a killed `backfill --metric likeCount` would make the next
 * `backfill --metric commentCount` (or a full run) start after it and never write the skipped entities'
 * other metrics. Runs of every metric keep the base key; entity types need no suffix, as progress is per type.
 */
export function backfillProgressKey(
  base: string,
  selection: { metric?: string; metricsByType?: ReadonlyMap<string, readonly string[]> },
): string {
  const parts: string[] = [];
  if (selection.metric) parts.push(`metric=${selection.metric}`);
  if (selection.metricsByType)
    for (const type of [...selection.metricsByType.keys()].sort())
      parts.push(`${type}=${[...selection.metricsByType.get(type)!].sort().join(',')}`);
  return parts.length === 0 ? base : `${base}:${parts.join(';')}`;
}

/** Per entity type: how many entities it has, and how many a previous run already finished. */
async function entityCounts(
  postgres: pg.Pool,
  types: readonly string[],
  after: ReadonlyMap<string, number>,
): Promise<Map<string, { total: number; done: number }>> {
  const out = new Map<string, { total: number; done: number }>();
  for (const type of types) {
    const table = `"${type.replaceAll('"', '""')}"`;
    const { rows } = await postgres.query<{ total: string; done: string }>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE id <= $1) AS done FROM ${table}`,
      [after.get(type) ?? null],
    );
    out.set(type, { total: Number(rows[0]!.total), done: Number(rows[0]!.done) });
  }
  return out;
}
