import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { HostError } from '../errors.js';
import { closest } from './closest-name.js';
import type { ConfigPurpose, HostConfig } from './host-config.js';
import type { Setting } from './setting.js';
import { describeIssues, expectedOf } from './setting-issues.js';
import { CONFIG_FILE_ENV, SETTINGS } from './settings.js';

export interface LoadConfigOptions {
  /** Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** A JSON config file; defaults to `$EVENT_HOST_CONFIG_FILE`. Environment variables override it. */
  file?: string;
  /** Which command the config is for: only its settings are required. Default `start`. */
  purpose?: ConfigPurpose;
}

/** Where a setting's value came from, for `config check`. */
export interface ResolvedSetting {
  setting: Setting;
  value: unknown;
  source: 'env' | 'file' | 'default' | 'unset';
}

/**
 * Reads and validates the host configuration. Every problem is collected, then thrown together as one
 * `EH_CONFIG_INVALID` whose lines name the variable, the file key and what was expected.
 */
export function loadConfig(options: LoadConfigOptions = {}): HostConfig {
  return resolveConfig(options).config;
}

/** `loadConfig` plus the source of each value. */
export function resolveConfig(options: LoadConfigOptions = {}): {
  config: HostConfig;
  settings: ResolvedSetting[];
  file?: string;
} {
  const env = options.env ?? process.env;
  const purpose = options.purpose ?? 'start';
  const filePath = options.file ?? (env[CONFIG_FILE_ENV] || undefined);
  const file = filePath ? readConfigFile(filePath) : {};
  const problems: string[] = [];
  const name = (s: Setting) => `${s.env} (${s.path} in a config file)`;

  problems.push(...unknownEnv(env), ...unknownFileKeys(file));
  const resolved: ResolvedSetting[] = [];
  const refused = new Set<string>();
  const config = {} as Record<string, unknown>;
  for (const setting of SETTINGS) {
    const fromEnv = env[setting.env];
    const fromFile = getPath(file, setting.path);
    const raw = fromEnv !== undefined && fromEnv !== '' ? fromEnv : fromFile;
    const source = raw === fromEnv && raw !== undefined ? 'env' : raw !== undefined ? 'file' : 'default';
    let value = setting.default;
    if (raw !== undefined && raw !== null) {
      const parsed = v.safeParse(setting.schema, raw, { abortPipeEarly: true });
      if (!parsed.success) {
        for (const line of describeIssues(setting, raw, parsed.issues))
          problems.push(`${name(setting)}: ${line}`);
        refused.add(setting.path);
        continue;
      }
      value = parsed.output;
    } else if (setting.requiredFor?.includes(purpose)) {
      const missing = v.safeParse(setting.schema, undefined, { abortPipeEarly: true });
      problems.push(`${name(setting)}: required, expected ${expectedOf(missing.issues)}`);
      continue;
    }
    resolved.push({ setting, value, source: value === undefined ? 'unset' : source });
    if (value !== undefined) setPath(config, setting.path, value);
  }
  const host = withDefaults(config, env);
  problems.push(...crossChecks(host, purpose, refused));
  if (problems.length > 0) {
    throw new HostError(
      'EH_CONFIG_INVALID',
      `invalid configuration${filePath ? ` (from the environment and file ${filePath})` : ''}:\n  - ${problems.join('\n  - ')}`,
    );
  }
  return { config: host, settings: resolved, file: filePath };
}

/** Checks across settings; `refused` (paths whose value was refused above) are not reported again as missing. */
function crossChecks(c: HostConfig, purpose: ConfigPurpose, refused: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const needs = ['start', 'drift', 'reconcile'].includes(purpose);
  const missing = (...paths: string[]) => needs && !paths.some((p) => refused.has(p));
  const ch = SETTINGS.filter((s) => s.path === 'clickhouse.url' || s.path === 'clickhouse.path');
  if (c.clickhouse.url && c.clickhouse.path) {
    out.push(`${ch.map((s) => s.env).join(' and ')}: set one of them, not both`);
  } else if (!c.clickhouse.url && !c.clickhouse.path && missing('clickhouse.url', 'clickhouse.path')) {
    out.push(
      `${ch.map((s) => s.env).join(' or ')}: required, expected a server URL or an embedded directory`,
    );
  }
  if (!c.redis.url && !c.redis.clusterNodes?.length && missing('redis.url', 'redis.clusterNodes')) {
    out.push(
      'EVENT_HOST_REDIS_URL or EVENT_HOST_REDIS_CLUSTER_NODES: required, expected a redis:// or rediss:// URL or a comma-separated list of host:port',
    );
  }
  if (c.meilisearch.url && !c.postgres.url && purpose === 'start') {
    out.push(
      'EVENT_HOST_POSTGRES_URL (postgres.url): required when EVENT_HOST_MEILISEARCH_URL is set, expected the app database whose rows feed the search indexes',
    );
  }
  if (c.reconcile.enabled && !c.postgres.url && purpose === 'start') {
    out.push(
      'EVENT_HOST_RECONCILE_ENABLED (reconcile.enabled): needs EVENT_HOST_POSTGRES_URL (postgres.url), the app database the periodic reconcile reads its truth from',
    );
  }
  if (c.batch.maxBufferedRows !== undefined && c.batch.maxBufferedRows < c.batch.flushRows) {
    out.push(
      `EVENT_HOST_BATCH_MAX_BUFFERED_ROWS (batch.maxBufferedRows): expected at least batch.flushRows (${c.batch.flushRows}), got ${c.batch.maxBufferedRows}`,
    );
  }
  return out;
}

/**
 * The config as `HostConfig`: unset settings with a fallback get it, and every section exists (even when all
 * its settings failed or are unset), so the cross-checks can read it. The one assertion that remains joins a
 * value assembled by path with the type computed from the same table.
 */
function withDefaults(config: Record<string, unknown>, env: Record<string, string | undefined>): HostConfig {
  for (const setting of SETTINGS) {
    if (setting.path.includes('.')) config[setting.path.split('.')[0]!] ??= {};
    if (setting.fallback && getPath(config, setting.path) === undefined)
      setPath(config, setting.path, setting.fallback(env));
  }
  return config as HostConfig;
}

function unknownEnv(env: Record<string, string | undefined>): string[] {
  const known = new Set([...SETTINGS.map((s) => s.env), CONFIG_FILE_ENV]);
  return Object.keys(env)
    .filter((k) => k.startsWith('EVENT_HOST_') && !known.has(k))
    .map((k) => {
      const near = closest(k, [...known]);
      return `${k}: not a setting of the event host${near ? ` (did you mean ${near}?)` : ''}`;
    });
}

function unknownFileKeys(file: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(file)) {
    const path = prefix + key;
    if (SETTINGS.some((s) => s.path === path)) continue;
    if (SETTINGS.some((s) => s.path.startsWith(`${path}.`)) && isObject(value)) {
      out.push(...unknownFileKeys(value, `${path}.`));
      continue;
    }
    const near = closest(
      path,
      SETTINGS.map((s) => s.path),
    );
    out.push(
      `${path} (config file): not a setting of the event host${near ? ` (did you mean ${near}?)` : ''}`,
    );
  }
  return out;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new HostError(
      'EH_CONFIG_FILE_UNREADABLE',
      `cannot read config file ${path}: ${(error as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HostError(
      'EH_CONFIG_FILE_UNREADABLE',
      `config file ${path} is not JSON: ${(error as Error).message}`,
    );
  }
  if (!isObject(parsed))
    throw new HostError('EH_CONFIG_FILE_UNREADABLE', `config file ${path}: expected a JSON object`);
  return parsed;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function getPath(obj: Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) cur = isObject(cur) ? cur[part] : undefined;
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    cur[part] ??= {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}
