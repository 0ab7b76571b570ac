import type { DepsMap, ResolvedDeps } from './token.js';

/** Ends what a plugin's start began (a timer, a client it opened). A failure is reported by plugin id. */
export type PluginStop = () => void | Promise<void>;

/**
 * Work a plugin runs while the host runs, with the tokens it needs. The host runs it once, on the main
 * thread, after the plugins' services are built and before the first event; the stop it returns runs at
 * shutdown, after consumption ended, in reverse order of the plugins' starts. A start that throws should
 * leave nothing open: the host retries it, like a dependency that is down, until the start deadline.
 */
export interface PluginStart<D extends DepsMap = DepsMap> {
  readonly deps: D;
  run(deps: ResolvedDeps<D>): PluginStop | undefined | Promise<PluginStop | undefined>;
}

/**
 * Defines a plugin's start: `onStart({ redis: redisToken }, ({ redis }) => { const t = setInterval(…);
 * return () => clearInterval(t); })`. Returning nothing means there is nothing to stop.
 */
export function onStart<D extends DepsMap = Record<string, never>>(
  deps: D,
  run: (deps: ResolvedDeps<D>) => PluginStop | undefined | Promise<PluginStop | undefined>,
): PluginStart<D> {
  return Object.freeze({ deps, run });
}
