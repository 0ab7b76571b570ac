import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { HostError } from '../errors.js';
import { loadConfig } from './load-config.js';
import { describeIssues } from './setting-issues.js';
import { jsonObject } from './setting-schemas.js';

const valid = {
  EVENT_HOST_KAFKA_BROKERS: 'kafka-1:9092',
  EVENT_HOST_PLUGINS: '@engagement/metric-listeners',
  EVENT_HOST_REDIS_URL: 'redis://cache:6379',
  EVENT_HOST_CLICKHOUSE_URL: 'http://clickhouse:8123',
};

function problems(env: Record<string, string>, file?: string): string[] {
  try {
    loadConfig({ env: { ...valid, ...env }, file });
  } catch (error) {
    expect(error).toBeInstanceOf(HostError);
    expect((error as HostError).code).toBe('EH_CONFIG_INVALID');
    return (error as HostError).message.split('\n  - ').slice(1);
  }
  throw new Error('expected loadConfig to fail');
}

const TOPICS = 'EVENT_HOST_SOURCES_CLICKHOUSE_TOPICS (sources.clickhouseTopics in a config file)';
const QUEUES = 'EVENT_HOST_SEARCH_QUEUES (search.queues in a config file)';

describe('JSON-valued settings', () => {
  it('reads a well-formed value from a variable or a file', () => {
    const topics = { 'clickhouse.Tip': { table: 'Tip', timestampColumn: 'createdAt' } };
    const env = { EVENT_HOST_SOURCES_CLICKHOUSE_TOPICS: JSON.stringify(topics) };
    expect(loadConfig({ env: { ...valid, ...env } }).sources.clickhouseTopics).toEqual(topics);
    const path = join(mkdtempSync(join(tmpdir(), 'eh-config-')), 'host.json');
    writeFileSync(path, JSON.stringify({ search: { queues: { Image: 'images' } } }));
    expect(loadConfig({ env: valid, file: path }).search.queues).toEqual({ Image: 'images' });
  });

  // A wrong shape names the setting and the path inside the value, with what was expected there.
  it.each([
    [
      'a column that is not a string',
      { 'clickhouse.Tip': { table: 'Tip', timestampColumn: 5 } },
      `${TOPICS}: at ["clickhouse.Tip"].timestampColumn: expected a column name (letters, digits, _), got 5`,
    ],
    [
      'a missing table',
      { 'clickhouse.Tip': { timestampColumn: 'createdAt' } },
      `${TOPICS}: at ["clickhouse.Tip"].table: missing (keys: table, timestampColumn, idColumn?)`,
    ],
    [
      'a misspelt key',
      { 'clickhouse.Tip': { table: 'Tip', timestampColumn: 'createdAt', idColum: 'id' } },
      `${TOPICS}: at ["clickhouse.Tip"].idColum: not a key here (keys: table, timestampColumn, idColumn?) (did you mean idColumn?)`,
    ],
    [
      'a topic name with a space',
      { 'clickhouse Tip': { table: 'Tip', timestampColumn: 'createdAt' } },
      `${TOPICS}: at ["clickhouse Tip"]: expected a topic name (letters, digits, ._-) as key, got "clickhouse Tip"`,
    ],
    [
      'a route that is not an object',
      { 'clickhouse.Tip': 'Tip' },
      `${TOPICS}: at ["clickhouse.Tip"]: expected an object (keys: table, timestampColumn, idColumn?), got "Tip"`,
    ],
  ])('sources.clickhouseTopics: refuses %s', (_case, value, message) => {
    expect(problems({ EVENT_HOST_SOURCES_CLICKHOUSE_TOPICS: JSON.stringify(value) })).toContainEqual(
      expect.stringContaining(message),
    );
  });

  it('search.queues: refuses a queue that is not a name, one line per bad entry, from the file too', () => {
    const lines = problems({ EVENT_HOST_SEARCH_QUEUES: '{"Image": 3, "Post": "", "Model": "Model"}' });
    expect(lines).toEqual([
      `${QUEUES}: at Image: expected a queue name (letters, digits, ._:-), got 3`,
      `${QUEUES}: at Post: expected a queue name (letters, digits, ._:-), got ""`,
    ]);
    const path = join(mkdtempSync(join(tmpdir(), 'eh-config-')), 'host.json');
    writeFileSync(path, JSON.stringify({ search: { queues: { 'Image Type': 'Image' } } }));
    expect(problems({}, path)).toEqual([
      `${QUEUES}: at ["Image Type"]: expected an entity type (letters, digits, _) as key, got "Image Type"`,
    ]);
    expect(problems({ EVENT_HOST_SEARCH_QUEUES: '["Image"]' })).toEqual([
      `${QUEUES}: expected a JSON object {entityType: queue}, got "["Image"]"`,
    ]);
  });

  it('plugins.settings: refuses an empty plugin id, and never prints a secret inside the value', () => {
    const lines = problems({ EVENT_HOST_PLUGIN_SETTINGS: '{"": {"password": "hunter2"}}' });
    expect(lines).toEqual([
      'EVENT_HOST_PLUGIN_SETTINGS (plugins.settings in a config file): at [""]: expected a plugin id as key, got ""',
    ]);
  });

  it('masks the rejected value inside a secret JSON setting by its key, as config check prints it', () => {
    const schema = jsonObject(
      'a JSON object',
      v.object({ db: v.object({ password: v.pipe(v.string(), v.minLength(20, 'a long password')) }) }),
    );
    const raw = '{"db": {"password": "hunter2"}}';
    const parsed = v.safeParse(schema, raw);
    expect(parsed.success).toBe(false);
    const lines = describeIssues({ secret: 'json' }, raw, parsed.issues ?? []);
    expect(lines).toEqual(['at db.password: expected a long password, got "***"']);
    expect(describeIssues({}, raw, parsed.issues ?? [])).toEqual([
      'at db.password: expected a long password, got "hunter2"',
    ]);
  });
});
