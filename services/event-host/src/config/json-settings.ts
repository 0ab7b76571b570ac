// The shapes of the JSON-valued settings, checked at boot like every other setting: a wrong shape names the
// setting and the path inside its value.
import * as v from 'valibot';
import { closest } from './closest-name.js';
import { jsonObject, type SettingSchema } from './setting-schemas.js';

const name = (what: string, pattern: RegExp) =>
  v.pipe(v.string(what), v.trim(), v.nonEmpty(what), v.regex(pattern, what));

/** An object with exactly these keys; a missing key is named, an unknown one refused with a "did you mean". */
function exactly<const E extends v.ObjectEntries>(entries: E) {
  const keys = Object.keys(entries);
  const listed = `keys: ${keys.map((k) => (entries[k]?.type === 'optional' ? `${k}?` : k)).join(', ')}`;
  return v.strictObject(entries, (issue) => {
    // valibot reports three things on the object: not an object, a missing key (expecting its name) and an
    // unknown one (expecting nothing).
    if (issue.expected === 'Object') return `an object (${listed})`;
    if (issue.expected !== 'never') return `missing (${listed})`;
    const near = closest(String(issue.input), keys);
    return `not a key here (${listed})${near ? ` (did you mean ${near}?)` : ''}`;
  });
}

const clickhouseRoute = exactly({
  table: name('a table name (letters, digits, _ and .)', /^[\w.]+$/),
  timestampColumn: name('a column name (letters, digits, _)', /^\w+$/),
  idColumn: v.optional(name('a column name (letters, digits, _)', /^\w+$/)),
});

/** `sources.clickhouseTopics`: topic → the ClickHouse table its rows belong to. */
export const clickhouseTopics: SettingSchema<
  Record<string, { table: string; timestampColumn: string; idColumn?: string }>
> = jsonObject(
  'a JSON object {topic: {table, timestampColumn, idColumn?}}',
  v.record(name('a topic name (letters, digits, ._-) as key', /^[\w.-]+$/), clickhouseRoute),
);

/** `search.queues`: entity type → the search-update queue its metric events feed. */
export const searchQueues: SettingSchema<Record<string, string>> = jsonObject(
  'a JSON object {entityType: queue}',
  v.record(
    name('an entity type (letters, digits, _) as key', /^\w+$/),
    name('a queue name (letters, digits, ._:-)', /^[\w.:-]+$/),
  ),
);

/**
 * `plugins.settings`: plugin id → that plugin's settings. Each entry's own shape is the plugin's to declare
 * and is checked against the loaded plugins (see plugins/), so here only the keys are.
 */
export const pluginSettings: SettingSchema<Record<string, unknown>> = jsonObject(
  'a JSON object keyed by plugin id',
  v.record(v.pipe(v.string(), v.nonEmpty('a plugin id as key')), v.unknown()),
);
