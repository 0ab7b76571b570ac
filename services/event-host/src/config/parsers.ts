// Parsers for setting values. Environment variables arrive as strings; a config file may hold typed JSON.
// Each parser returns the value or throws a SettingValueError whose message is what was expected.
import cron from 'node-cron';

/** Thrown by a parser; the loader adds the setting's names to the message. */
export class SettingValueError extends Error {}

/** Turns a raw value (env string or file JSON) into a setting value. */
export type Parser<T> = (raw: unknown) => T;

const show = (raw: unknown) => (typeof raw === 'string' ? `"${raw}"` : JSON.stringify(raw));

function fail(expected: string, raw: unknown): never {
  throw new SettingValueError(`expected ${expected}, got ${show(raw)}`);
}

/** A non-empty string, optionally matching `pattern`. */
export function text(expected = 'a non-empty string', pattern?: RegExp): Parser<string> {
  return (raw) => {
    if (typeof raw !== 'string' || raw.trim() === '' || (pattern && !pattern.test(raw.trim())))
      fail(expected, raw);
    return raw.trim();
  };
}

/** A cron expression in node-cron's syntax (five fields, or six with seconds). */
export const cronExpression: Parser<string> = (raw) => {
  if (typeof raw !== 'string' || !cron.validate(raw.trim()))
    fail('a cron expression such as "*/5 * * * *"', raw);
  return raw.trim();
};

/** An integer within bounds; env strings must be plain digits. */
export function int(min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> {
  const expected = `an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any size' : max}`;
  return (raw) => {
    const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) fail(expected, raw);
    return n;
  };
}

/** `true`/`false` (also `1`/`0`, `yes`/`no` in env vars). */
export const bool: Parser<boolean> = (raw) => {
  if (typeof raw === 'boolean') return raw;
  const s = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (['true', '1', 'yes'].includes(s)) return true;
  if (['false', '0', 'no'].includes(s)) return false;
  return fail('true or false', raw);
};

/** One of a fixed set of words. */
export function oneOf<T extends string>(...values: T[]): Parser<T> {
  return (raw) => {
    if (typeof raw !== 'string' || !values.includes(raw.trim() as T))
      fail(`one of ${values.join(', ')}`, raw);
    return (raw as string).trim() as T;
  };
}

/** A URL with one of the given protocols, e.g. `url('redis:', 'rediss:')`. */
export function url(...protocols: string[]): Parser<string> {
  const expected = `a ${protocols.map((p) => `${p}//`).join(' or ')} URL`;
  return (raw) => {
    if (typeof raw !== 'string') fail(expected, raw);
    try {
      if (protocols.includes(new URL(raw.trim()).protocol)) return raw.trim();
    } catch {}
    return fail(expected, raw);
  };
}

/** A comma-separated list in env vars, a JSON array in files; each item checked by `item`. */
export function list<T>(item: Parser<T>, expected: string): Parser<T[]> {
  return (raw) => {
    const items =
      typeof raw === 'string'
        ? raw
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : Array.isArray(raw)
          ? raw
          : null;
    if (!items || items.length === 0) fail(expected, raw);
    try {
      return items.map(item);
    } catch (error) {
      if (error instanceof SettingValueError) fail(expected, raw);
      throw error;
    }
  };
}

/** A JSON object (env vars hold it as JSON text). */
export function jsonObject<T = Record<string, unknown>>(expected: string): Parser<T> {
  return (raw) => {
    let value = raw;
    if (typeof raw === 'string') {
      try {
        value = JSON.parse(raw);
      } catch {
        fail(expected, raw);
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(expected, raw);
    return value as T;
  };
}

/** `host:port` of a Kafka broker. */
export const broker = text('host:port', /^[\w.-]+:\d{1,5}$/);

/** An npm package name, e.g. `@engagement/metric-listeners`. */
export const packageName = text('an npm package name', /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/);

/** A topic name, or `/regex/` for a pattern. */
export const topicPattern: Parser<string | RegExp> = (raw) => {
  const s = text('a topic name or /regex/')(raw);
  if (s.length > 2 && s.startsWith('/') && s.endsWith('/')) {
    try {
      return new RegExp(s.slice(1, -1));
    } catch {
      fail('a valid /regex/', raw);
    }
  }
  if (!/^[\w.-]+$/.test(s)) fail('a topic name (letters, digits, ._-) or /regex/', raw);
  return s;
};
