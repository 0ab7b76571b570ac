import type { DepsMap, PluginDefinition, PluginStop } from '@engagement/plugin-api';
import { PluginError } from '../errors.js';
import type { PluginContainer } from './plugin-container.js';

/**
 * One plugin's start and stop, bound to the container its services were built in. Hooks run on the main
 * thread only: pool threads build their own services for the listeners but start nothing.
 */
export interface PluginHook {
  readonly pluginId: string;
  /** Runs the plugin's start; a failure is an `EB_PLUGIN_START_FAILED` naming the plugin. */
  start(): Promise<void>;
  /** Runs the stop its start returned, once; nothing when it never started. Failure: `EB_PLUGIN_STOP_FAILED`. */
  stop(): Promise<void>;
}

/** The hooks of the plugins that declare a start, in plugin order (the start order). */
export function pluginHooks(plugins: readonly PluginDefinition[], container: PluginContainer): PluginHook[] {
  return plugins.flatMap((plugin) => {
    const start = plugin.start;
    if (!start) return [];
    let stop: PluginStop | undefined;
    return [
      {
        pluginId: plugin.id,
        async start() {
          try {
            stop = (await start.run(container.resolve(start.deps as DepsMap))) ?? undefined;
          } catch (error) {
            throw new PluginError(
              'EB_PLUGIN_START_FAILED',
              plugin.id,
              `start failed: ${reasonOf(error)}`,
              error,
            );
          }
        },
        async stop() {
          const running = stop;
          stop = undefined;
          try {
            await running?.();
          } catch (error) {
            throw new PluginError(
              'EB_PLUGIN_STOP_FAILED',
              plugin.id,
              `stop failed: ${reasonOf(error)}`,
              error,
            );
          }
        },
      },
    ];
  });
}

/**
 * Starts the hooks in order (the test host's way; the event host adds each hook to its lifecycle instead).
 * When one fails, the ones before it are stopped again, in reverse, and its error is thrown; if stopping
 * them failed too, an `AggregateError` carries every error.
 */
export async function startPluginHooks(hooks: readonly PluginHook[]): Promise<void> {
  for (const [i, hook] of hooks.entries()) {
    try {
      await hook.start();
    } catch (error) {
      const failed = await stopPluginHooks(hooks.slice(0, i));
      if (failed.length === 0) throw error;
      const stops = failed.map(reasonOf).join('; ');
      throw new AggregateError([error, ...failed], `${reasonOf(error)}; then stopping the others: ${stops}`);
    }
  }
}

/** Stops every hook in reverse order of their starts; returns the failures (each names its plugin), never rejects. */
export async function stopPluginHooks(hooks: readonly PluginHook[]): Promise<PluginError[]> {
  const failed: PluginError[] = [];
  for (const hook of [...hooks].reverse()) {
    try {
      await hook.stop();
    } catch (error) {
      failed.push(error as PluginError);
    }
  }
  return failed;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
