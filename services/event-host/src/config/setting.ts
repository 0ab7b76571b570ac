// A setting is declared once, with its schema; `HostConfig` is computed from the table of them (`ConfigOf`),
// so the type cannot drift from what the loader reads.
import type * as v from 'valibot';
import type { SecretKind } from './mask-secrets.js';
import type { SettingSchema } from './setting-schemas.js';

/** What a command needs; settings required for it must be present. */
export type ConfigPurpose = 'start' | 'replay' | 'dlq' | 'drift' | 'reconcile';

/** How one setting is read, apart from where it sits in the table. */
export interface SettingOptions<T> {
  /** The environment variable; default derived from the path (`batch.flushRows` → `EVENT_HOST_BATCH_FLUSH_ROWS`). */
  env?: string;
  default?: T;
  /** Computed when the setting is unset, without counting as its value (config check shows it unset). */
  fallback?: (env: Record<string, string | undefined>) => unknown;
  requiredFor?: readonly ConfigPurpose[];
  /** Secret-bearing: how it is masked wherever settings are printed (see `shownValue`). */
  secret?: SecretKind;
}

/** A setting as declared in the table. */
export type SettingDef<T = unknown> = SettingOptions<T> & { schema: SettingSchema<T>; help: string };

/** Declares a setting; the options' literal types (a default, `requiredFor`) decide its type in `HostConfig`. */
export function setting<T, const O extends SettingOptions<T> = Record<never, never>>(
  schema: SettingSchema<T>,
  help: string,
  options?: O,
): { schema: SettingSchema<T>; help: string } & O {
  return { schema, help, ...(options as O) };
}

/** One setting with its place: the dotted path in the config file and in `HostConfig`, and its variable. */
export interface Setting extends SettingDef {
  /** Dotted path in the config file and in `HostConfig`, e.g. `kafka.brokers`. */
  path: string;
  /** The environment variable, e.g. `EVENT_HOST_KAFKA_BROKERS`. */
  env: string;
}

/** A table of settings: settings, or sections of them (`kafka`, `batch`, …). */
export interface SettingsTable {
  [key: string]: SettingDef | SettingsTable;
}

const isSetting = (entry: SettingDef | SettingsTable): entry is SettingDef =>
  'schema' in entry && 'help' in entry && typeof entry.help === 'string';

/** Every setting of a table, in declaration order, with its path and variable. */
export function flattenSettings(table: SettingsTable, prefix = ''): Setting[] {
  return Object.entries(table).flatMap(([key, entry]) => {
    const path = prefix + key;
    if (!isSetting(entry)) return flattenSettings(entry, `${path}.`);
    const env = `EVENT_HOST_${path
      .replace(/([a-z])([A-Z])/g, '$1_$2')
      .replace(/\./g, '_')
      .toUpperCase()}`;
    return [{ env, ...entry, path }];
  });
}

type AnySetting = { schema: v.GenericSchema; help: string };

/** A setting's value: its schema's output, or what its fallback computes. */
type ValueOf<S extends AnySetting> =
  | v.InferOutput<S['schema']>
  | (S extends { fallback: (...args: never[]) => infer F } ? F : never);

/**
 * Always present: a setting with a default or a fallback, and one required to start a host (a command that
 * runs without it does not read it).
 */
type Present<S> = S extends { default: unknown } | { fallback: unknown }
  ? true
  : S extends { requiredFor: readonly (infer P)[] }
    ? 'start' extends P
      ? true
      : false
    : false;

type Entry<E> = E extends AnySetting ? ValueOf<E> : ConfigOf<E>;

/** The configuration a settings table produces: sections become objects, settings their values. */
export type ConfigOf<T> = {
  -readonly [K in keyof T as T[K] extends AnySetting ? (Present<T[K]> extends true ? K : never) : K]: Entry<
    T[K]
  >;
} & {
  -readonly [K in keyof T as T[K] extends AnySetting
    ? Present<T[K]> extends true
      ? never
      : K
    : never]?: Entry<T[K]>;
} extends infer C
  ? { [K in keyof C]: C[K] }
  : never;
