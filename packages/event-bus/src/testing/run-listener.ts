import {
  type ChangeEvent,
  type DepsMap,
  definePlugin,
  type EntityMetricEvent,
  type ListenerDefinition,
  type ResolvedDeps,
  silentLogger,
} from '@engagement/plugin-api';
import type { MetricTouch } from '../metrics/metric-touch.js';
import { Dispatcher } from '../runtime/dispatcher.js';
import { PluginContainer } from '../runtime/plugin-container.js';
import { validatePlugins } from '../runtime/validate-plugins.js';
import type { FakeChange } from './fake-events.js';

/**
 * Runs one listener on one change with the given dependency instances, through the real dispatcher, and
 * returns the metric events it emitted. Returns `[]` when `canHandle` declines the change; a handler
 * error is thrown (no retries), so a test sees it directly. A dependency missing from `deps` throws
 * `EB_DEPENDENCY_MISSING` naming it, as a host's boot does.
 */
export async function runListener<D extends DepsMap>(
  listener: ListenerDefinition<D>,
  change: ChangeEvent | FakeChange,
  deps: ResolvedDeps<D> = {} as ResolvedDeps<D>,
): Promise<EntityMetricEvent[]> {
  return (await runListenerOutput(listener, change, deps)).metrics;
}

/** `runListener`, returning the entities it touched for recompute too (see `MetricEmitter.touch`). */
export async function runListenerOutput<D extends DepsMap>(
  listener: ListenerDefinition<D>,
  change: ChangeEvent | FakeChange,
  deps: ResolvedDeps<D> = {} as ResolvedDeps<D>,
): Promise<{ metrics: EntityMetricEvent[]; touches: MetricTouch[] }> {
  const event = 'record' in change ? change.event : change;
  // Only the deps given are provided, so one left out fails validation as it would in a host
  // (EB_DEPENDENCY_MISSING naming it), not in the container's resolution.
  const provisions = Object.entries(listener.deps).flatMap(([name, token]) => {
    const value = (deps as Record<string, unknown>)[name];
    return value === undefined ? [] : [{ token, value }];
  });
  const plugin = definePlugin({ id: `test:${listener.id}`, owner: 'test', listeners: [listener] });
  const registered = validatePlugins(
    [plugin],
    provisions.map((p) => p.token),
  );
  const container = await PluginContainer.create([plugin], provisions);
  const dispatcher = new Dispatcher(registered, container, { logger: silentLogger, maxAttempts: 1 });
  const result = await dispatcher.dispatch(event);
  if (result.failures[0]) throw result.failures[0].error.cause ?? result.failures[0].error;
  return { metrics: result.metrics, touches: result.touches };
}
