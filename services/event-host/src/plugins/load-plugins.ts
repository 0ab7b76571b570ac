import { fileURLToPath } from 'node:url';
import { PluginError } from '@engagement/event-bus';
import { validatePlugins } from '@engagement/event-bus/runtime';
import { isPlugin, type PluginDefinition, type Token } from '@engagement/plugin-api';
import { HostError } from '../errors.js';
import { findWorkspacePackage } from './find-workspace-package.js';
import { declaredSettingsTokens, validatePluginSettings } from './plugin-settings.js';
import { settingsProvisions } from './settings-provisions.js';

/** A plugin package and the plugins it contributed. */
export interface LoadedPluginPackage {
  packageName: string;
  plugins: PluginDefinition[];
  /**
   * The `plugins.settings` of these plugins, keyed by plugin id, as they are provided: a value declared with
   * `pluginSettings(id, schema)` is the schema's output (see `validatePluginSettings`).
   */
  settings?: Readonly<Record<string, unknown>>;
}

/** Imports a module by name; tests pass their own to load fixtures. */
export type ModuleImporter = (specifier: string) => Promise<Record<string, unknown>>;

const nativeImport: ModuleImporter = (specifier) => import(specifier);

/**
 * Loads plugin packages by name and validates the resulting plugin graph against what the host provides.
 *
 * A package contributes its `plugins` export (one definition or an array), its default export, or, without
 * either, every export made by `definePlugin`. Plugin settings reach plugins as host provisions (see
 * `settingsProvisions`), so they are checked like any other dependency; those a plugin declared with a
 * schema are validated by it (see `validatePluginSettings`). Each failure is a coded `HostError`
 * naming the package.
 */
export async function loadPlugins(
  packages: readonly string[],
  options: {
    /** Tokens the host provides (besides plugin settings). */
    hostTokens?: readonly Token<unknown>[];
    /** `plugins.settings`, keyed by plugin id: each key must name a loaded plugin. */
    settings?: Record<string, unknown>;
    /** Token id → the setting that provides it, added to "missing dependency" errors. */
    providedBySetting?: Readonly<Record<string, string>>;
    importer?: ModuleImporter;
    /** Where to look for the npm workspace when a package is not found (default: the host's own folder). */
    workspaceFrom?: string;
  } = {},
): Promise<LoadedPluginPackage[]> {
  const importer = options.importer ?? nativeImport;
  const loaded: LoadedPluginPackage[] = [];
  for (const packageName of packages) {
    const module = await importPackage(packageName, importer, options.workspaceFrom ?? HOST_DIR);
    const plugins = pluginsOf(packageName, module);
    loaded.push({ packageName, plugins });
  }
  const owners = new Map(loaded.flatMap((p) => p.plugins.map((d) => [d, p.packageName] as const)));
  const ids = new Set([...owners.keys()].map((d) => d.id));
  const unknown = Object.keys(options.settings ?? {}).filter((id) => !ids.has(id));
  if (unknown.length > 0) {
    throw new HostError(
      'EH_CONFIG_INVALID',
      `EVENT_HOST_PLUGIN_SETTINGS (plugins.settings): expected keys that are ids of loaded plugins (${[...ids].join(', ')}), got ${unknown.map((u) => `"${u}"`).join(', ')}`,
    );
  }
  const all = loaded.flatMap((p) => p.plugins);
  // Settings declared with a schema are always provided: the schema decides whether absent is acceptable.
  const settingsTokens = [
    ...settingsProvisions(options.settings ?? {}).map((p) => p.token),
    ...declaredSettingsTokens(all),
  ];
  try {
    validatePlugins(all, [...(options.hostTokens ?? []), ...settingsTokens]);
  } catch (error) {
    if (!(error instanceof PluginError)) throw error;
    // A duplicate id lives in two packages: name every package that has a plugin of that id.
    const pkgs = [...new Set([...owners].filter(([d]) => d.id === error.pluginId).map(([, p]) => `"${p}"`))];
    const where =
      pkgs.length === 0 ? '' : `${pkgs.length > 1 ? 'packages' : 'package'} ${pkgs.join(' and ')}: `;
    const setting = Object.entries(options.providedBySetting ?? {}).find(
      ([token]) => error.code === 'EB_DEPENDENCY_MISSING' && error.message.includes(`needs ${token},`),
    )?.[1];
    const hint = setting ? ` (the host provides it when ${setting} is set)` : '';
    throw new HostError('EH_PLUGIN_INVALID', `${where}${error.message}${hint}`, {
      cause: error,
    });
  }
  const settings = await validatePluginSettings(all, options.settings ?? {});
  return loaded.map((p) => ({
    ...p,
    settings: Object.fromEntries(
      p.plugins.filter((d) => d.id in settings).map((d) => [d.id, settings[d.id]]),
    ),
  }));
}

const HOST_DIR = fileURLToPath(new URL('.', import.meta.url));

async function importPackage(
  name: string,
  importer: ModuleImporter,
  workspaceFrom: string,
): Promise<Record<string, unknown>> {
  try {
    return await importer(name);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    // Node says which specifier it could not find; a missing dependency *inside* the package names another.
    const missing =
      (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') &&
      new RegExp(`['"]${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"/]`).test(e.message);
    const unlinked = missing ? findWorkspacePackage(name, workspaceFrom) : undefined;
    if (unlinked && !unlinked.linked) {
      throw new HostError(
        'EH_PLUGIN_PACKAGE_NOT_FOUND',
        `plugin package "${name}" is in the workspace at ${unlinked.dir} but not linked into node_modules: run \`npm install\` at the repository root (${unlinked.root})`,
        { cause: error },
      );
    }
    if (missing) {
      throw new HostError(
        'EH_PLUGIN_PACKAGE_NOT_FOUND',
        `plugin package "${name}" is not installed (check EVENT_HOST_PLUGINS and the host's dependencies)`,
        { cause: error },
      );
    }
    throw new HostError('EH_PLUGIN_PACKAGE_FAILED', `plugin package "${name}" failed to load: ${e.message}`, {
      cause: error,
    });
  }
}

function pluginsOf(name: string, module: Record<string, unknown>): PluginDefinition[] {
  // The same conventions as the event bus's pool threads use (they import plugins by name too).
  const declared = [module.plugins, module.default].filter((v) => v !== undefined).flat();
  if (declared.length > 0) {
    const bad = declared.findIndex((p) => !isPlugin(p));
    if (bad >= 0) {
      throw new HostError(
        'EH_PLUGIN_NO_EXPORT',
        `plugin package "${name}": its "plugins"/default export has an entry (#${bad}) not made by definePlugin()`,
      );
    }
    return [...new Set(declared as PluginDefinition[])];
  }
  const found = [...new Set(Object.values(module).filter(isPlugin))];
  if (found.length === 0) {
    throw new HostError(
      'EH_PLUGIN_NO_EXPORT',
      `plugin package "${name}" exports no plugin (expected a "plugins" export, a default export or definePlugin() exports)`,
    );
  }
  return found;
}
