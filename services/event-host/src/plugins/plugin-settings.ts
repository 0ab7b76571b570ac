import {
  isPluginSettingsToken,
  type PluginDefinition,
  type PluginSettingsToken,
  type StandardIssue,
  type Token,
} from '@engagement/plugin-api';
import { HostError } from '../errors.js';

/** The settings tokens with a schema (`pluginSettings(id, schema)`) that these plugins' listeners and services need. */
export function declaredSettingsTokens(plugins: readonly PluginDefinition[]): PluginSettingsToken<unknown>[] {
  const deps = plugins.flatMap((p) => [...p.listeners, ...p.services]).flatMap((d) => Object.values(d.deps));
  const found = (deps as Token<unknown>[]).filter(isPluginSettingsToken);
  return [...new Set(found)];
}

/**
 * `plugins.settings` as plugins receive them: each value a plugin declared with a schema is validated by
 * it (awaited when the schema validates asynchronously) and replaced by the schema's output; other values
 * pass as they are. An absent value is validated too (`undefined`), so a schema with defaults may fill it.
 * A refused value stops boot with `EH_CONFIG_INVALID` naming the setting and the schema's issues, with
 * every text of the value blanked out of them: settings hold secrets, and some schema libraries quote what
 * they received.
 */
export async function validatePluginSettings(
  plugins: readonly PluginDefinition[],
  settings: Readonly<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const validated: Record<string, unknown> = { ...settings };
  for (const token of declaredSettingsTokens(plugins)) {
    const value = settings[token.pluginId];
    const result = await token.schema['~standard'].validate(value);
    if (result.issues) {
      const where = `plugins.settings.${token.pluginId}`;
      const issues = result.issues.map((i) => `${where}${pathOf(i)}: ${redact(i.message, value)}`);
      throw new HostError(
        'EH_CONFIG_INVALID',
        `EVENT_HOST_PLUGIN_SETTINGS (${where}): ${issues.join('; ')} (the schema of ${token.id})`,
      );
    }
    validated[token.pluginId] = result.value;
  }
  return validated;
}

function pathOf(issue: StandardIssue): string {
  return (issue.path ?? [])
    .map((segment) => (typeof segment === 'object' ? segment.key : segment))
    .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
    .join('');
}

/** The message with every string (and number) found in `value` replaced by `<redacted>`. */
function redact(message: string, value: unknown): string {
  const texts = new Set<string>();
  const collect = (v: unknown, depth: number): void => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') {
      if (String(v).length >= MIN_REDACTED_LENGTH) texts.add(String(v));
    } else if (typeof v === 'object' && v !== null && depth < 16) {
      for (const inner of Object.values(v)) collect(inner, depth + 1);
    }
  };
  collect(value, 0);
  let out = message;
  // Longest first, so a secret that contains another is blanked whole.
  for (const text of [...texts].sort((a, b) => b.length - a.length)) out = out.split(text).join('<redacted>');
  return out;
}

/** Shorter values (a `1`, `on`) would blank words of the message; they are not secrets. */
const MIN_REDACTED_LENGTH = 3;
