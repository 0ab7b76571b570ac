import type { InferSchemaOutput, StandardSchemaV1 } from './standard-schema.js';
import { createToken, type Token } from './token.js';

/** A token for one plugin's settings (`plugins.settings.<pluginId>`), with the schema they must pass. */
export interface PluginSettingsToken<T> extends Token<T> {
  readonly pluginId: string;
  readonly schema: StandardSchemaV1<unknown, T>;
}

/**
 * Declares a plugin's settings: `deps: { settings: pluginSettings('media', mediaSettingsSchema) }` hands the
 * listener the value of `plugins.settings.media` after the host validated it with the schema at boot (its
 * output, so defaults and transforms apply). A value the schema refuses stops the host, naming the setting.
 */
export function pluginSettings<S extends StandardSchemaV1>(
  pluginId: string,
  schema: S,
): PluginSettingsToken<InferSchemaOutput<S>> {
  const token = createToken<InferSchemaOutput<S>>(`${pluginId}.settings`);
  return Object.freeze({
    ...token,
    pluginId,
    schema: schema as StandardSchemaV1<unknown, InferSchemaOutput<S>>,
  });
}

/** True for tokens made by `pluginSettings`, which the host validates before providing. */
export function isPluginSettingsToken(token: Token<unknown>): token is PluginSettingsToken<unknown> {
  const schema = (token as { schema?: { '~standard'?: { validate?: unknown } } }).schema;
  return (
    typeof (token as { pluginId?: unknown }).pluginId === 'string' &&
    typeof schema?.['~standard']?.validate === 'function'
  );
}
