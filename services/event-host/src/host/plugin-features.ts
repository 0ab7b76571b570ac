import type { PluginHook } from '@engagement/event-bus/runtime';
import type { HostFeature } from './lifecycle.js';

/**
 * One host feature per plugin that declares a start (`onStart`), named `plugin:<id>`. Its start is a
 * connect step: it runs once the host's clients connected and before the pipeline consumes, and a failure
 * is retried like a dependency that is down, until the start deadline. Its stop runs at shutdown after the
 * pipeline drained, in reverse order; a failure is listed by that name and the shutdown exits 1.
 * Hooks run on the main thread only (pool threads build services for their listeners, start nothing).
 */
export function pluginFeatures(hooks: readonly PluginHook[]): HostFeature[] {
  return hooks.map((hook) => ({
    name: `plugin:${hook.pluginId}`,
    connect: { dependency: `plugin ${hook.pluginId} (its start)`, run: () => hook.start() },
    stop: () => hook.stop(),
  }));
}
