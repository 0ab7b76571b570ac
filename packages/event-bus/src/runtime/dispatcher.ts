import {
  type ChangeEvent,
  type EntityMetricEvent,
  type ListenerContext,
  type Logger,
  MAX_EVENTS_PER_CHANGE,
  type MetricEmitter,
  type MetricInput,
} from '@engagement/plugin-api';
import { ListenerError } from '../errors.js';
import { metricEventId } from '../metrics/event-id.js';
import { invalidEntityType, invalidMetricType, shownValue } from '../metrics/metric-names.js';
import type { MetricTouch } from '../metrics/metric-touch.js';
import { sleep } from './backoff.js';
import type { PluginContainer } from './plugin-container.js';
import { RetryPolicy } from './retry-policy.js';
import type { RegisteredListener } from './validate-plugins.js';

/**
 * A listener that failed for good (a non-retriable error, or still failing after its retries); the change
 * goes to the dead-letter topic for it.
 */
export interface ListenerFailure {
  listenerId: string;
  pluginId: string;
  error: ListenerError;
  attempts: number;
}

/** What dispatching one change produced. */
export interface DispatchResult {
  metrics: EntityMetricEvent[];
  /** Entities whose metrics the listeners asked the host to recompute (see `MetricEmitter.touch`). */
  touches: MetricTouch[];
  failures: ListenerFailure[];
  /** How many listeners accepted the change (0 means nobody cares about this table). */
  handledBy: number;
}

export interface DispatcherOptions {
  /**
   * Attempts per listener and change before it is dead-lettered (first try included). A non-retriable
   * error (see `isRetriable`) is dead-lettered after its first attempt.
   */
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  logger: Logger;
  /** Aborting skips the remaining backoff waits (shutdown). */
  signal?: AbortSignal;
  /** Called after each listener run, for per-listener metrics. */
  onListenerRun?(listenerId: string, outcome: 'ok' | 'retry' | 'failed', seconds: number): void;
}

interface BoundListener extends RegisteredListener {
  log: Logger;
  deps: Record<string, unknown>;
  depNames: string[];
}

/** What one attempt of a listener emitted; `open` until the attempt ended. */
interface Emitted {
  inputs: MetricInput[];
  touches: MetricTouch[];
  open: boolean;
}

/** A listener run that ended: its events (checked and stamped) and touches, or its failure for good. */
type RunOutcome = { events: EntityMetricEvent[]; touches: MetricTouch[] } | { failure: ListenerFailure };
/** One attempt's end: a run outcome, or an error worth another attempt. */
type Attempt = RunOutcome | { retry: ListenerError };

/** One change on its way through the listeners. */
interface Dispatch {
  event: ChangeEvent;
  only: string | undefined;
  origin: string;
  /** The first origin sequence number of the change's events. */
  base: number;
  result: DispatchResult;
}

/**
 * Routes a change to every listener whose `canHandle` accepts it and collects the metric events they emit,
 * stamped with deterministic ids and their origin position. Listeners run in registration order, so the
 * sequence numbers of a change's events are stable across replays.
 *
 * Synchronous listeners (most) cost no promise: `dispatch` returns its result directly unless a listener
 * returned a promise or must be retried after a wait. Changes of different partitions may be dispatched
 * concurrently, so everything a run writes to is its own.
 */
export class Dispatcher {
  private readonly bound: BoundListener[];
  private readonly retry: RetryPolicy;
  /** `topic:partition` per topic and partition, built once (see `originOf`). */
  private readonly origins = new Map<string, string[]>();

  constructor(
    listeners: readonly RegisteredListener[],
    container: PluginContainer,
    private readonly options: DispatcherOptions,
  ) {
    this.retry = new RetryPolicy({
      maxAttempts: options.maxAttempts ?? 3,
      baseMs: options.retryBaseMs ?? 100,
      maxMs: options.retryMaxMs ?? 5_000,
    });
    this.bound = listeners.map((r) => {
      const deps = container.resolve(r.listener.deps);
      const log = options.logger.child({ plugin: r.pluginId, listener: r.listener.id });
      return { ...r, deps, depNames: Object.keys(deps), log };
    });
  }

  /** The listener ids, in dispatch order. */
  get listenerIds(): string[] {
    return this.bound.map((b) => b.listener.id);
  }

  /** Runs each listener's `prefetch` once with the events it accepts, all listeners concurrently. */
  async prefetch(events: readonly ChangeEvent[]): Promise<void> {
    await Promise.all(
      this.bound.map(async (entry) => {
        const { prefetch } = entry.listener;
        if (!prefetch) return;
        const accepted = events.filter((e) => entry.listener.canHandle(e));
        if (accepted.length === 0) return;
        try {
          await prefetch.call(entry.listener, accepted, entry.deps as never);
        } catch (err) {
          entry.log.warn({ err, events: accepted.length }, 'listener.prefetch.failed');
        }
      }),
    );
  }

  /**
   * Dispatches one change: the result, or a promise of it when a listener was asynchronous or is retried.
   * `only` restricts it to one listener (used when redriving a dead letter).
   */
  dispatch(event: ChangeEvent, only?: string): DispatchResult | Promise<DispatchResult> {
    return this.dispatchFrom(0, {
      event,
      only,
      origin: this.originOf(event.position.topic, event.position.partition),
      // The change's events are numbered in emission order across its listeners.
      base: Number(event.position.offset) * MAX_EVENTS_PER_CHANGE,
      result: { metrics: [], touches: [], failures: [], handledBy: 0 },
    });
  }

  /**
   * One string per partition, not one per change: every event of a partition then carries the same string,
   * which V8 flattens and hashes once, so the maps keyed by origin (the buffer's `StoredRows`, the cache's
   * positions) do not do it again for every event.
   */
  private originOf(topic: string, partition: number): string {
    let byPartition = this.origins.get(topic);
    if (!byPartition) {
      byPartition = [];
      this.origins.set(topic, byPartition);
    }
    let origin = byPartition[partition];
    if (origin === undefined) {
      origin = `${topic}:${partition}`;
      byPartition[partition] = origin;
    }
    return origin;
  }

  private dispatchFrom(first: number, d: Dispatch): DispatchResult | Promise<DispatchResult> {
    for (let k = first; k < this.bound.length; k++) {
      const entry = this.bound[k]!;
      if (d.only !== undefined && entry.listener.id !== d.only) continue;
      if (!entry.listener.canHandle(d.event)) continue;
      d.result.handledBy++;
      const outcome = this.run(entry, d);
      if (outcome instanceof Promise) {
        return outcome.then((settled) => {
          collect(d.result, settled);
          return this.dispatchFrom(k + 1, d);
        });
      }
      collect(d.result, outcome);
    }
    return d.result;
  }

  /** A listener's run with its retries; synchronous while its first attempt is. */
  private run(entry: BoundListener, d: Dispatch): RunOutcome | Promise<RunOutcome> {
    const first = this.attempt(entry, d, 1);
    if (first instanceof Promise || 'retry' in first) return this.retrying(entry, d, first);
    return first;
  }

  private async retrying(
    entry: BoundListener,
    d: Dispatch,
    first: Attempt | Promise<Attempt>,
  ): Promise<RunOutcome> {
    let outcome = await first;
    for (let attempt = 2; 'retry' in outcome; attempt++) {
      await sleep(this.retry.delayMs(attempt - 1), this.options.signal);
      outcome = await this.attempt(entry, d, attempt);
    }
    return outcome;
  }

  /** Runs `handle` once; waits only when it returned something (its promise). */
  private attempt(entry: BoundListener, d: Dispatch, attempt: number): Attempt | Promise<Attempt> {
    const emitted: Emitted = { inputs: [], touches: [], open: true };
    const started = performance.now();
    let ran: void | Promise<void>;
    try {
      ran = entry.listener.handle(d.event, contextOf(entry, emitted));
    } catch (cause) {
      emitted.open = false;
      return this.thrown(entry, d.event, attempt, cause, started);
    }
    if (ran === undefined) {
      emitted.open = false;
      return this.checked(entry, d, attempt, emitted, started);
    }
    return Promise.resolve(ran).then(
      () => {
        emitted.open = false;
        return this.checked(entry, d, attempt, emitted, started);
      },
      (cause: unknown) => {
        emitted.open = false;
        return this.thrown(entry, d.event, attempt, cause, started);
      },
    );
  }

  private thrown(
    entry: BoundListener,
    event: ChangeEvent,
    attempt: number,
    cause: unknown,
    started: number,
  ): Attempt {
    const error = new ListenerError(entry.listener.id, cause);
    const last = !this.retry.shouldRetry(error, attempt) || this.options.signal?.aborted;
    this.options.onListenerRun?.(
      entry.listener.id,
      last ? 'failed' : 'retry',
      (performance.now() - started) / 1000,
    );
    entry.log.warn({ err: error, change: event.id, attempt }, 'listener failed');
    if (!last) return { retry: error };
    return { failure: { listenerId: entry.listener.id, pluginId: entry.pluginId, error, attempts: attempt } };
  }

  /**
   * What a listener emitted, checked before any of it counts and stamped. Invalid output is deterministic,
   * so it is not retried: it is this listener's failure for this change (dead-lettered with the reason,
   * redrivable), never the whole batch's.
   */
  private checked(
    entry: BoundListener,
    d: Dispatch,
    attempt: number,
    emitted: Emitted,
    started: number,
  ): RunOutcome {
    const seconds = (performance.now() - started) / 1000;
    const events = stamped(d, entry.listener.id, emitted.inputs);
    const invalid = events instanceof Error ? events : invalidTouches(emitted.touches);
    this.options.onListenerRun?.(entry.listener.id, invalid ? 'failed' : 'ok', seconds);
    if (!invalid) return { events: events as EntityMetricEvent[], touches: emitted.touches };
    const error = new ListenerError(entry.listener.id, invalid);
    entry.log.warn({ err: error, change: d.event.id }, 'listener emitted invalid metric events');
    return { failure: { listenerId: entry.listener.id, pluginId: entry.pluginId, error, attempts: attempt } };
  }
}

function collect(result: DispatchResult, outcome: RunOutcome): void {
  if ('failure' in outcome) {
    result.failures.push(outcome.failure);
    return;
  }
  for (const event of outcome.events) result.metrics.push(event);
  for (const touch of outcome.touches) result.touches.push(touch);
}

/**
 * A listener's metric inputs as stamped events (ids, origin and sequence, defaults filled in), or why they
 * cannot be stored: all of them or none count.
 */
function stamped(
  d: Dispatch,
  listenerId: string,
  inputs: readonly MetricInput[],
): EntityMetricEvent[] | Error {
  const emittedBefore = d.result.metrics.length;
  if (emittedBefore + inputs.length > MAX_EVENTS_PER_CHANGE) {
    return new RangeError(
      `${emittedBefore + inputs.length} metric events for one change (max ${MAX_EVENTS_PER_CHANGE})`,
    );
  }
  const { event } = d;
  const events: EntityMetricEvent[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const m = inputs[i]!;
    const { entityType, entityId, metricType, metricValue, userId, createdAt } = m;
    if (!Number.isSafeInteger(entityId) || !Number.isSafeInteger(metricValue)) {
      const wrong = [
        ...(Number.isSafeInteger(entityId) ? [] : [`entity id (${shownValue(entityId)})`]),
        ...(Number.isSafeInteger(metricValue) ? [] : [`value (${shownValue(metricValue)})`]),
      ];
      return new TypeError(`metric ${entityType}.${metricType} has a non-integer ${wrong.join(' and ')}`);
    }
    if (typeof entityType !== 'string' || !entityType || typeof metricType !== 'string' || !metricType) {
      return new TypeError(`metric event without an entity type or metric type: ${JSON.stringify(m)}`);
    }
    const badName = invalidEntityType(entityType) ?? invalidMetricType(metricType);
    if (badName) return new TypeError(`metric ${entityType}.${metricType}: ${badName}`);
    if (createdAt !== undefined && !(createdAt instanceof Date && Number.isFinite(createdAt.getTime()))) {
      return new TypeError(`metric ${entityType}.${metricType} has an invalid createdAt (${createdAt})`);
    }
    if (userId !== undefined && !Number.isSafeInteger(userId)) {
      return new TypeError(
        `metric ${entityType}.${metricType} has a non-integer user id (${shownValue(userId)})`,
      );
    }
    const stamp: EntityMetricEvent = {
      eventId: metricEventId(event.id, listenerId, i),
      entityType,
      entityId,
      userId: userId ?? 0,
      metricType,
      metricValue,
      createdAt: createdAt ?? event.occurredAt,
      origin: d.origin,
      originSeq: d.base + emittedBefore + i,
    };
    if (event.sourceTx !== undefined) stamp.sourceTx = event.sourceTx;
    events.push(stamp);
  }
  return events;
}

/**
 * One run's context: the listener's dependencies, its logger, and an emitter writing to `emitted`. Built key
 * by key in the same order every time, so every context of a listener shares one hidden class (a literal
 * spreading the dependencies would get a new one per run). What a run emits after it ended (a listener that
 * did not await its own work) is ignored with a warning: its output was already checked and counted.
 */
function contextOf(entry: BoundListener, emitted: Emitted): ListenerContext {
  const { log } = entry;
  const metrics: MetricEmitter = {
    add(m) {
      if (emitted.open) emitted.inputs.push(m);
      else lateEmit(log);
    },
    touch(entityType, entityId, only) {
      if (emitted.open)
        emitted.touches.push({ entityType, entityId, ...(only ? { metrics: [...only] } : {}) });
      else lateEmit(log);
    },
  };
  const ctx: Record<string, unknown> = {};
  for (const name of entry.depNames) ctx[name] = entry.deps[name];
  ctx.log = log;
  ctx.metrics = metrics;
  return ctx as ListenerContext;
}

function lateEmit(log: Logger): void {
  log.warn({}, 'listener emitted after its handle() ended; ignored');
}

/** Why touches cannot be queued, or undefined when they can. */
function invalidTouches(touches: readonly MetricTouch[]): Error | undefined {
  for (const t of touches) {
    if (typeof t.entityType !== 'string' || !t.entityType || !Number.isSafeInteger(t.entityId)) {
      return new TypeError(`touch without an entity type or with a non-integer id: ${JSON.stringify(t)}`);
    }
    const badName = invalidEntityType(t.entityType) ?? t.metrics?.map(invalidMetricType).find(Boolean);
    if (badName) return new TypeError(`touch of ${t.entityType} ${t.entityId}: ${badName}`);
  }
  return undefined;
}
