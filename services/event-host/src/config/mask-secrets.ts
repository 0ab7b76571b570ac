import type { HostConfig } from './host-config.js';
import { SETTINGS, type Setting } from './settings.js';

/** How a secret-bearing setting is printed (declared once, per setting, in `SETTINGS`). */
export type SecretKind =
  /** A URL: user info and secret query parameters are masked, scheme, host, port and path stay. */
  | 'url'
  /** A password or key: masked whole. */
  | 'value'
  /** A JSON object: values under secret-looking keys, and user info in URLs inside, are masked. */
  | 'json';

export const MASK = '***';

const SECRET_PARAM =
  /([?&;](?:password|passwd|pwd|pass|secret|token|auth|key|api[_-]?key|access[_-]?key|sslpassword|sslkey)=)[^&#;]*/gi;
const SECRET_KEY = /pass(word|wd)?$|secret|token|credential|^auth|api[_-]?key|^key$|[a-z_]Key$|private/i;

/**
 * Masks the user info (`user:password@`, up to the authority's last `@`: a password may hold one) and secret
 * query parameters of a URL-like string.
 */
export function maskUrl(text: string): string {
  return text
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, `$1${MASK}@`)
    .replace(/^[^:/@?#]+:[^/?#]*@/, `${MASK}@`)
    .replace(SECRET_PARAM, `$1${MASK}`);
}

/** `scheme://…`: the only shape in which the secret parts of a URL setting's value can be told apart. */
export const URL_SHAPED = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Masks the user info of every URL inside free text (error messages and stacks before they are logged). */
export function maskUrlsIn(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"']*@/gi, `$1${MASK}@`)
    .replace(SECRET_PARAM, `$1${MASK}`);
}

/** Masks secret-looking keys' values and URL user info anywhere in a JSON value. */
export function maskJson(value: unknown, key = ''): unknown {
  if (value === null || value === undefined) return value;
  if (key && SECRET_KEY.test(key) && typeof value !== 'object') return MASK;
  if (typeof value === 'string') return maskUrl(value);
  if (Array.isArray(value)) return value.map((v) => maskJson(v));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskJson(v, k)]));
  }
  return value;
}

/** A setting's value as it may be printed anywhere (config check, logs, status): secrets masked. */
export function shownValue(setting: Pick<Setting, 'secret'>, value: unknown): unknown {
  if (value === undefined) return value;
  if (value instanceof RegExp) return String(value);
  switch (setting.secret) {
    case 'value':
      return MASK;
    case 'url':
      // A malformed value (`redis//admin:pw@host`, a password pasted in the wrong place) is masked whole.
      return typeof value === 'string' && URL_SHAPED.test(value) ? maskUrl(value) : MASK;
    case 'json':
      return maskJson(value);
    default:
      return Array.isArray(value) ? value.map((v) => (v instanceof RegExp ? String(v) : v)) : value;
  }
}

/** Every set setting of `config`, by path, as it may be printed. */
export function shownSettings(config: HostConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    let v: unknown = config;
    for (const part of setting.path.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
    if (v !== undefined) out[setting.path] = shownValue(setting, v);
  }
  return out;
}
