// Schemas of setting values (valibot). Environment variables arrive as strings, a config file may hold typed
// JSON: each schema accepts both. Every issue's message is what was expected ("an integer from 0 to 10");
// the loader adds the setting's names and the rejected value, masked for secrets (see setting-issues.ts).
import cron from 'node-cron';
import * as v from 'valibot';

/** A setting's schema: any raw value in, the setting's value out. */
export type SettingSchema<T> = v.GenericSchema<unknown, T>;

/** A non-empty string (trimmed), optionally matching `pattern`. */
export function text(expected = 'a non-empty string', pattern?: RegExp): SettingSchema<string> {
  const base = v.pipe(v.string(expected), v.trim(), v.nonEmpty(expected));
  return pattern ? v.pipe(base, v.regex(pattern, expected)) : base;
}

/** A cron expression in node-cron's syntax (five fields, or six with seconds). */
export const cronExpression: SettingSchema<string> = v.pipe(
  text('a cron expression such as "*/5 * * * *"'),
  v.check((s) => cron.validate(s), 'a cron expression such as "*/5 * * * *"'),
);

/** An integer within bounds; env strings must be plain digits. */
export function int(min: number, max = Number.MAX_SAFE_INTEGER): SettingSchema<number> {
  const expected = `an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any size' : max}`;
  const digits = v.pipe(v.string(), v.trim(), v.regex(/^-?\d+$/), v.transform(Number));
  return v.pipe(
    v.union([digits, v.number()], expected),
    v.integer(expected),
    v.minValue(min, expected),
    v.maxValue(max, expected),
  );
}

/** `true`/`false` (also `1`/`0`, `yes`/`no` in env vars). */
export const bool: SettingSchema<boolean> = v.union(
  [
    v.boolean(),
    v.pipe(
      v.string(),
      v.trim(),
      v.toLowerCase(),
      v.picklist(['true', '1', 'yes', 'false', '0', 'no']),
      v.transform((s) => ['true', '1', 'yes'].includes(s)),
    ),
  ],
  'true or false',
);

/** One of a fixed set of words. */
export function oneOf<const T extends string>(...values: T[]): SettingSchema<T> {
  const expected = `one of ${values.join(', ')}`;
  return v.pipe(v.string(expected), v.trim(), v.picklist(values, expected));
}

/** A URL with one of the given protocols, e.g. `url('redis:', 'rediss:')`. */
export function url(...protocols: string[]): SettingSchema<string> {
  const expected = `a ${protocols.map((p) => `${p}//`).join(' or ')} URL`;
  const hasProtocol = (s: string) => {
    try {
      return protocols.includes(new URL(s).protocol);
    } catch {
      return false;
    }
  };
  return v.pipe(v.string(expected), v.trim(), v.check(hasProtocol, expected));
}

/**
 * A comma-separated list in env vars, a JSON array in files; each item checked by `item`. A bad item is
 * reported as the whole list not being `expected` (the value shown is the list as given).
 */
export function list<T>(item: SettingSchema<T>, expected: string): SettingSchema<T[]> {
  const split = (s: string) =>
    s
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
  return v.pipe(
    v.union([v.pipe(v.string(), v.transform(split)), v.array(v.unknown())], expected),
    v.minLength(1, expected),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const items = v.safeParse(v.array(item), dataset.value);
      if (items.success) return items.output;
      addIssue({ message: expected });
      return NEVER;
    }),
  );
}

/**
 * A JSON object (env vars hold it as JSON text) of the shape `shape`. Text that is not a JSON object fails
 * with `expected`; a wrong shape fails with the path inside the value (see setting-issues.ts).
 */
export function jsonObject<T>(
  expected: string,
  shape: v.GenericSchema<Record<string, unknown>, T>,
): SettingSchema<T> {
  const object = v.rawTransform<unknown, Record<string, unknown>>(({ dataset, addIssue, NEVER }) => {
    let value = dataset.value;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        value = undefined;
      }
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
    addIssue({ message: expected });
    return NEVER;
  });
  return v.pipe(v.unknown(), object, shape);
}

/** `host:port` of a Kafka broker. */
export const broker = text('host:port', /^[\w.-]+:\d{1,5}$/);

/** An npm package name, e.g. `@engagement/metric-listeners`. */
export const packageName = text('an npm package name', /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/);

/** A topic name, or `/regex/` for a pattern. */
export const topicPattern: SettingSchema<string | RegExp> = v.pipe(
  text('a topic name or /regex/'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const s = dataset.value;
    if (s.length > 2 && s.startsWith('/') && s.endsWith('/')) {
      try {
        return new RegExp(s.slice(1, -1));
      } catch {
        addIssue({ message: 'a valid /regex/' });
        return NEVER;
      }
    }
    if (/^[\w.-]+$/.test(s)) return s;
    addIssue({ message: 'a topic name (letters, digits, ._-) or /regex/' });
    return NEVER;
  }),
);
