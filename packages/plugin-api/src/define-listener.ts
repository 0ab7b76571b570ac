import type { ChangeEvent } from './change-event.js';
import type { MetricInput } from './entity-metric-event.js';
import type { Logger } from './logger.js';
import type { MetricTruth } from './metric-truth.js';
import type { DepsMap, ResolvedDeps } from './token.js';

/** Where a listener puts the metric events it derives from a change. */
export interface MetricEmitter {
  add(metric: MetricInput): void;
  /**
   * Asks the host to recompute these metrics of this entity from the source (a count over a join that
   * deltas cannot keep exact); `metrics` absent: all of the entity type's. Touches are queued after the
   * change's metric events are stored and before its offset is committed, so a replay touches again.
   */
  touch(entityType: string, entityId: number, metrics?: readonly string[]): void;
}

/** What a handler receives besides the event: the emitter, a logger and its declared dependencies. */
export type ListenerContext<D extends DepsMap = DepsMap> = ResolvedDeps<D> & {
  metrics: MetricEmitter;
  log: Logger;
};

/** A listener: a pure routing predicate plus a handler that emits metric events. */
export interface ListenerDefinition<D extends DepsMap = DepsMap> {
  readonly kind: 'listener';
  readonly id: string;
  /**
   * Source tables this listener reads. Unless it is given its topics (`kafka.topics`), the host subscribes to
   * the topics of the tables its listeners declare, so a listener that declares none sees only those.
   */
  readonly tables?: readonly string[];
  readonly deps: D;
  canHandle(event: ChangeEvent): boolean;
  handle(event: ChangeEvent, ctx: ListenerContext<D>): void | Promise<void>;
  /**
   * Optional: called once per batch, before `handle`, with the batch's events this listener accepts, so
   * lookups can load related rows in one query instead of one per event. Only warms caches: a failure is
   * logged and ignored, and `handle` must still work without it.
   */
  prefetch?(events: readonly ChangeEvent[], deps: ResolvedDeps<D>): Promise<void>;
  /**
   * How every metric this listener emits is computed from the source (see `MetricTruth`), for reconcile
   * and repair; `[]` when it emits no metric events (it feeds a lookup or a queue). A listener without it
   * is reported as not reconcilable.
   */
  readonly truth?: readonly MetricTruth[];
}

/** Defines a listener. Handlers must be deterministic: replays must emit the same metric events. */
export function defineListener<D extends DepsMap = Record<string, never>>(
  spec: Omit<ListenerDefinition<D>, 'kind' | 'deps'> & { deps?: D },
): ListenerDefinition<D> {
  return Object.freeze({ ...spec, kind: 'listener' as const, deps: (spec.deps ?? {}) as D });
}
