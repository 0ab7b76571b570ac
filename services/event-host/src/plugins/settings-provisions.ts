import { createToken, type HostProvision, type Token } from '@engagement/plugin-api';

/**
 * The token under which a plugin receives its settings: `createToken<MySettings>('<plugin-id>.settings')`
 * in the plugin's `deps`. A plugin that needs settings nobody configured fails boot with
 * `EB_DEPENDENCY_MISSING` naming it, like any other missing dependency.
 */
export function pluginSettingsToken<T = Record<string, unknown>>(pluginId: string): Token<T> {
  return createToken<T>(`${pluginId}.settings`);
}

/** Host provisions for `plugins.settings` (keyed by plugin id). */
export function settingsProvisions(settings: Record<string, unknown>): HostProvision[] {
  return Object.entries(settings).map(([pluginId, value]) => ({
    token: pluginSettingsToken(pluginId),
    value,
  }));
}
