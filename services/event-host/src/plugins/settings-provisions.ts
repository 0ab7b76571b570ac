import { createToken, type HostProvision, type Token } from '@engagement/plugin-api';

/**
 * The token under which a plugin receives its settings unchecked: `createToken<MySettings>('<plugin-id>.settings')`
 * in the plugin's `deps`. Prefer `pluginSettings(id, schema)` of @engagement/plugin-api, which the host
 * validates at boot. A plugin that needs settings nobody configured fails boot with
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

/**
 * The provisions plugins get: the host's own, with plugin settings replaced by the validated values the
 * loaded packages carry (see `LoadedPluginPackage.settings`), and `extra` winning over both (tests replace
 * the database client this way).
 */
export function withLoadedSettings(
  own: readonly HostProvision[],
  packages: readonly { settings?: Readonly<Record<string, unknown>> }[],
  extra: readonly HostProvision[] = [],
): HostProvision[] {
  const settings = settingsProvisions(loadedSettings({}, packages));
  const over = [...settings.filter((p) => !extra.some((e) => e.token.id === p.token.id)), ...extra];
  return [...own.filter((p) => !over.some((o) => o.token.id === p.token.id)), ...over];
}

/** `plugins.settings` with the validated values the loaded packages carry over the configured ones. */
export function loadedSettings(
  configured: Readonly<Record<string, unknown>>,
  packages: readonly { settings?: Readonly<Record<string, unknown>> }[],
): Record<string, unknown> {
  return Object.assign({}, configured, ...packages.map((p) => p.settings ?? {}));
}
