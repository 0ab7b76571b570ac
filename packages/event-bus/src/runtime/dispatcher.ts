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
}

/**
 * Routes a change to every listener whose `canHandle` accepts it and collects the metric events they emit,
 * stamped with deterministic ids and their origin position. Listeners run in registration order, so the
 * sequence numbers of a change's events are stable across replays.
 */
export class Dispatcher {
  private readonly bound: BoundListener[];
  private readonly retry: RetryPolicy;

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
    this.bound = listeners.map((r) => ({
      ...r,
      deps: container.resolve(r.listener.deps),
      log: options.logger.child({ plugin: r.pluginId, listener: r.listener.id }),
    }));
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

  /** Dispatches one change. `only` restricts it to one listener (used when redriving a dead letter). */
  async dispatch(event: ChangeEvent, only?: string): Promise<DispatchResult> {
    const result: DispatchResult = { metrics: [], touches: [], failures: [], handledBy: 0 };
    const origin = `${event.position.topic}:${event.position.partition}`;
    // The change's events are numbered in emission order across its listeners.
    const base = Number(event.position.offset) * MAX_EVENTS_PER_CHANGE;
    for (const entry of this.bound) {
      if (only !== undefined && entry.listener.id !== only) continue;
      if (!entry.listener.canHandle(event)) continue;
      result.handledBy++;
      const outcome = await this.runWithRetries(entry, event, result.metrics.length);
      if ('failure' in outcome) {
        result.failures.push(outcome.failure);
        continue;
      }
      const { inputs, touches } = outcome;
      for (let i = 0; i < inputs.length; i++) {
        const seq = base + result.metrics.length;
        result.metrics.push(this.stamp(event, origin, seq, entry.listener.id, inputs[i]!, i));
      }
      for (const touch of touches) result.touches.push(touch);
    }
    return result;
  }

  private async runWithRetries(
    entry: BoundListener,
    event: ChangeEvent,
    emittedBefore: number,
  ): Promise<{ inputs: MetricInput[]; touches: MetricTouch[] } | { failure: ListenerFailure }> {
    for (let attempt = 1; ; attempt++) {
      const inputs: MetricInput[] = [];
      const touches: MetricTouch[] = [];
      const metrics: MetricEmitter = {
        add: (m) => void inputs.push(m),
        touch: (entityType, entityId, only) =>
          void touches.push({ entityType, entityId, ...(only ? { metrics: [...only] } : {}) }),
      };
      const started = performance.now();
      try {
        const ran = entry.listener.handle(event, {
          ...entry.deps,
          log: entry.log,
          metrics,
        } as ListenerContext);
        // Most listeners are synchronous: wait only when one returned something (its promise).
        if (ran !== undefined) await ran;
      } catch (cause) {
        const error = new ListenerError(entry.listener.id, cause);
        const last = !this.retry.shouldRetry(error, attempt) || this.options.signal?.aborted;
        this.options.onListenerRun?.(
          entry.listener.id,
          last ? 'failed' : 'retry',
          (performance.now() - started) / 1000,
        );
        entry.log.warn({ err: error, change: event.id, attempt }, 'listener failed');
        if (last)
          return {
            failure: { listenerId: entry.listener.id, pluginId: entry.pluginId, error, attempts: attempt },
          };
        await sleep(this.retry.delayMs(attempt), this.options.signal);
        continue;
      }
      const seconds = (performance.now() - started) / 1000;
      // What a listener emitted is checked before any of it counts. Invalid output is deterministic, so it
      // is not retried: it is this listener's failure for this change (dead-lettered with the reason,
      // redrivable), never the whole batch's.
      const invalid = this.invalidOutput(inputs, emittedBefore) ?? invalidTouches(touches);
      this.options.onListenerRun?.(entry.listener.id, invalid ? 'failed' : 'ok', seconds);
      if (!invalid) return { inputs, touches };
      const error = new ListenerError(entry.listener.id, invalid);
      entry.log.warn({ err: error, change: event.id }, 'listener emitted invalid metric events');
      return {
        failure: { listenerId: entry.listener.id, pluginId: entry.pluginId, error, attempts: attempt },
      };
    }
  }

  /** Why a listener's output cannot be stored, or undefined when it can. */
  private invalidOutput(inputs: readonly MetricInput[], emittedBefore: number): Error | undefined {
    if (emittedBefore + inputs.length > MAX_EVENTS_PER_CHANGE) {
      return new RangeError(
        `${emittedBefore + inputs.length} metric events for one change (max ${MAX_EVENTS_PER_CHANGE})`,
      );
    }
    for (const m of inputs) {
      if (!Number.isSafeInteger(m.entityId) || !Number.isSafeInteger(m.metricValue)) {
        return new TypeError(
          `metric ${m.entityType}.${m.metricType} has a non-integer entity id (${m.entityId}) or value (${m.metricValue})`,
        );
      }
      if (
        typeof m.entityType !== 'string' ||
        !m.entityType ||
        typeof m.metricType !== 'string' ||
        !m.metricType
      ) {
        return new TypeError(`metric event without an entity type or metric type: ${JSON.stringify(m)}`);
      }
      if (
        m.createdAt !== undefined &&
        !(m.createdAt instanceof Date && Number.isFinite(m.createdAt.getTime()))
      ) {
        return new TypeError(
          `metric ${m.entityType}.${m.metricType} has an invalid createdAt (${m.createdAt})`,
        );
      }
      if (m.userId !== undefined && !Number.isSafeInteger(m.userId)) {
        return new TypeError(
          `metric ${m.entityType}.${m.metricType} has a non-integer user id (${m.userId})`,
        );
      }
    }
    return undefined;
  }

  private stamp(
    event: ChangeEvent,
    origin: string,
    originSeq: number,
    listenerId: string,
    m: MetricInput,
    index: number,
  ): EntityMetricEvent {
    const stamped: EntityMetricEvent = {
      eventId: metricEventId(event.id, listenerId, index),
      entityType: m.entityType,
      entityId: m.entityId,
      userId: m.userId ?? 0,
      metricType: m.metricType,
      metricValue: m.metricValue,
      createdAt: m.createdAt ?? event.occurredAt,
      origin,
      originSeq,
    };
    if (event.sourceTx !== undefined) stamped.sourceTx = event.sourceTx;
    return stamped;
  }
}

/** Why touches cannot be queued, or undefined when they can. */
function invalidTouches(touches: readonly MetricTouch[]): Error | undefined {
  for (const t of touches) {
    if (typeof t.entityType !== 'string' || !t.entityType || !Number.isSafeInteger(t.entityId)) {
      return new TypeError(`touch without an entity type or with a non-integer id: ${JSON.stringify(t)}`);
    }
    if (t.metrics?.some((m) => typeof m !== 'string' || !m || /[:,]/.test(m))) {
      return new TypeError(`touch of ${t.entityType} ${t.entityId} names an invalid metric: ${t.metrics}`);
    }
  }
  return undefined;
}
