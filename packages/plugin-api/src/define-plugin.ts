import type { ListenerDefinition } from './define-listener.js';
import type { PluginStart } from './plugin-start.js';
import type { DepsMap, ResolvedDeps, Token } from './token.js';

/**
 * The listener contract version this package describes: what `definePlugin` records unless a plugin says
 * otherwise. A plugin states the version it was written against; a host states the versions it supports
 * (a `ContractRange`) and refuses a plugin outside them at boot instead of failing at run time.
 */
export const LISTENER_CONTRACT_VERSION = 1;

/** The listener contract versions a host supports, both ends included: `{ min: 1, max: 1 }`. */
export interface ContractRange {
  readonly min: number;
  readonly max: number;
}

/** A service a plugin provides to listeners (its own or other plugins'), built once at boot. */
export interface ServiceDefinition<T = unknown, D extends DepsMap = DepsMap> {
  readonly token: Token<T>;
  readonly deps: D;
  factory(deps: ResolvedDeps<D>): T | Promise<T>;
}

/** Defines a service: `provide(imageLookupToken, { prisma: prismaToken }, ({ prisma }) => ...)`. */
export function provide<T, D extends DepsMap = Record<string, never>>(
  token: Token<T>,
  deps: D,
  factory: (deps: ResolvedDeps<D>) => T | Promise<T>,
): ServiceDefinition<T, D> {
  return Object.freeze({ token, deps, factory });
}

/** A plugin: a named, owned set of listeners and the services they need. */
export interface PluginDefinition {
  readonly kind: 'plugin';
  readonly id: string;
  /** The owning team, e.g. `@team/media`; shown in errors and on the status page. */
  readonly owner: string;
  readonly contractVersion: number;
  // biome-ignore lint/suspicious/noExplicitAny: listeners keep their own dependency types
  readonly listeners: readonly ListenerDefinition<any>[];
  // biome-ignore lint/suspicious/noExplicitAny: services keep their own dependency types
  readonly services: readonly ServiceDefinition<any, any>[];
  /** Work the plugin runs while the host runs (see `onStart`); absent for plugins that only listen. */
  // biome-ignore lint/suspicious/noExplicitAny: a start keeps its own dependency types
  readonly start?: PluginStart<any>;
}

/** Defines a plugin. This is the one thing a plugin package exports. */
export function definePlugin(spec: {
  id: string;
  owner: string;
  // biome-ignore lint/suspicious/noExplicitAny: listeners keep their own dependency types
  listeners: readonly ListenerDefinition<any>[];
  // biome-ignore lint/suspicious/noExplicitAny: services keep their own dependency types
  services?: readonly ServiceDefinition<any, any>[];
  // biome-ignore lint/suspicious/noExplicitAny: a start keeps its own dependency types
  start?: PluginStart<any>;
  contractVersion?: number;
}): PluginDefinition {
  return Object.freeze({
    kind: 'plugin' as const,
    id: spec.id,
    owner: spec.owner,
    contractVersion: spec.contractVersion ?? LISTENER_CONTRACT_VERSION,
    listeners: Object.freeze([...spec.listeners]),
    services: Object.freeze([...(spec.services ?? [])]),
    ...(spec.start ? { start: spec.start } : {}),
  });
}

/** True for values made by `definePlugin`; used when loading plugin packages by name. */
export function isPlugin(value: unknown): value is PluginDefinition {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'plugin';
}
