import {
  type ContractRange,
  LISTENER_CONTRACT_VERSION,
  type ListenerDefinition,
  type PluginDefinition,
  type Token,
} from '@engagement/plugin-api';
import { PluginError } from '../errors.js';

/** A listener together with the plugin that registered it. */
export interface RegisteredListener {
  pluginId: string;
  // biome-ignore lint/suspicious/noExplicitAny: listeners keep their own dependency types
  listener: ListenerDefinition<any>;
}

/** The listener contract versions this host runs: every version it knows how to call, both ends included. */
export const SUPPORTED_CONTRACT_VERSIONS: ContractRange = { min: 1, max: LISTENER_CONTRACT_VERSION };

/**
 * Checks a plugin graph before anything runs: definitions, duplicate ids, contract versions, and that
 * every dependency is provided by the host or by some plugin. Throws a coded PluginError naming the plugin.
 */
export function validatePlugins(
  plugins: readonly PluginDefinition[],
  hostTokens: readonly Token<unknown>[],
  supported: ContractRange = SUPPORTED_CONTRACT_VERSIONS,
): RegisteredListener[] {
  const pluginIds = new Set<string>();
  const listenerOwners = new Map<string, string>();
  const provided = new Map<string, string>(hostTokens.map((t) => [t.id, 'the host']));
  const listeners: RegisteredListener[] = [];

  for (const plugin of plugins) {
    const id = typeof plugin?.id === 'string' && plugin.id ? plugin.id : '<unnamed>';
    if (plugin?.kind !== 'plugin')
      throw new PluginError('EB_PLUGIN_INVALID', id, 'was not made by definePlugin()');
    if (!plugin.owner) throw new PluginError('EB_PLUGIN_INVALID', id, 'has no owner');
    if (pluginIds.has(id)) throw new PluginError('EB_PLUGIN_DUPLICATE_ID', id, 'is registered twice');
    pluginIds.add(id);
    const version = plugin.contractVersion;
    if (!Number.isInteger(version) || version < supported.min || version > supported.max) {
      throw new PluginError(
        'EB_CONTRACT_VERSION_UNSUPPORTED',
        id,
        `targets listener contract v${version}; this host supports v${supported.min} to v${supported.max}`,
      );
    }
    for (const service of plugin.services) {
      const other = provided.get(service.token.id);
      if (other) {
        throw new PluginError(
          'EB_PLUGIN_INVALID',
          id,
          `provides ${service.token.id}, already provided by ${other}`,
        );
      }
      provided.set(service.token.id, `plugin "${id}"`);
    }
    for (const listener of plugin.listeners) {
      if (listener?.kind !== 'listener' || !listener.id) {
        throw new PluginError('EB_LISTENER_INVALID', id, 'has a listener not made by defineListener()');
      }
      const lacking = (['canHandle', 'handle'] as const).filter((f) => typeof listener[f] !== 'function');
      if (lacking.length > 0) {
        throw new PluginError(
          'EB_LISTENER_INVALID',
          id,
          `listener "${listener.id}" lacks ${lacking.join(' and ')} (a function)`,
        );
      }
      if (listener.tables && listener.tables.length === 0) {
        throw new PluginError(
          'EB_LISTENER_HANDLES_NOTHING',
          id,
          `listener "${listener.id}" declares no tables`,
        );
      }
      const owner = listenerOwners.get(listener.id);
      if (owner) {
        throw new PluginError(
          'EB_LISTENER_DUPLICATE_ID',
          id,
          `listener "${listener.id}" is also in plugin "${owner}"`,
        );
      }
      listenerOwners.set(listener.id, id);
      listeners.push({ pluginId: id, listener });
    }
  }

  // Dependencies are checked once every provider is known, so declaration order does not matter.
  for (const plugin of plugins) {
    const needs: [Token<unknown>, string][] = [
      ...plugin.listeners.flatMap((l) =>
        Object.values(l.deps as Record<string, Token<unknown>>).map((t): [Token<unknown>, string] => [
          t,
          `listener "${l.id}"`,
        ]),
      ),
      ...plugin.services.flatMap((s) =>
        Object.values(s.deps as Record<string, Token<unknown>>).map((t): [Token<unknown>, string] => [
          t,
          `service ${s.token.id}`,
        ]),
      ),
      ...Object.values((plugin.start?.deps ?? {}) as Record<string, Token<unknown>>).map(
        (t): [Token<unknown>, string] => [t, 'its start'],
      ),
    ];
    for (const [token, who] of needs) {
      if (!provided.has(token.id)) {
        throw new PluginError(
          'EB_DEPENDENCY_MISSING',
          plugin.id,
          `${who} needs ${token.id}, which nobody provides`,
        );
      }
    }
  }
  return listeners;
}
