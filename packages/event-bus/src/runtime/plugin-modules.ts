import { type HostProvision, isPlugin, type PluginDefinition } from '@engagement/plugin-api';
import { PluginError } from '../errors.js';

/**
 * Imports plugin packages by name (or file URL) and collects the plugins they export: a `plugins` array,
 * a default export (one plugin or an array), or named exports made by `definePlugin`.
 * Worker threads load plugins this way, since functions cannot be sent to them; the host does too.
 */
export async function loadPluginModules(specifiers: readonly string[]): Promise<PluginDefinition[]> {
  const plugins: PluginDefinition[] = [];
  for (const specifier of specifiers) {
    let mod: Record<string, unknown>;
    try {
      mod = await import(specifier);
    } catch (cause) {
      const missing = (cause as { code?: string }).code === 'ERR_MODULE_NOT_FOUND';
      throw new PluginError(
        missing ? 'EB_PLUGIN_MODULE_NOT_FOUND' : 'EB_PLUGIN_INVALID',
        specifier,
        `${missing ? 'not found' : 'import failed'}: ${(cause as Error).message}`,
      );
    }
    const found = pluginsOf(mod);
    if (found.length === 0) {
      throw new PluginError(
        'EB_PLUGIN_MODULE_EMPTY',
        specifier,
        'exports no plugin (expected `plugins`, a default export or named exports made by definePlugin)',
      );
    }
    for (const p of found) if (!plugins.includes(p)) plugins.push(p);
  }
  return plugins;
}

function pluginsOf(mod: Record<string, unknown>): PluginDefinition[] {
  const candidates: unknown[] = [];
  for (const value of [mod.plugins, mod.default]) {
    if (Array.isArray(value)) candidates.push(...value);
    else if (value !== undefined) candidates.push(value);
  }
  if (!candidates.some(isPlugin)) candidates.push(...Object.values(mod));
  return [...new Set(candidates.filter(isPlugin))];
}

/**
 * Imports a module whose `provisions` export (an array, or a function of `data` returning one, possibly
 * async) supplies host values to plugins. Pool workers build their own provisions (a database client cannot be
 * shared across threads), so they are named by module instead of passed as values.
 */
export async function loadProvisionsModule(specifier: string, data?: unknown): Promise<HostProvision[]> {
  const mod = (await import(specifier)) as { provisions?: unknown };
  const value = typeof mod.provisions === 'function' ? await mod.provisions(data) : mod.provisions;
  if (!Array.isArray(value)) {
    throw new PluginError('EB_PLUGIN_INVALID', specifier, 'provisions module must export `provisions`');
  }
  return value as HostProvision[];
}
