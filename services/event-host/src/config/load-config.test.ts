import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheKeysOf } from '../deployment/cache-scope.js';
import { HostError } from '../errors.js';
import { loadConfig } from './load-config.js';

const valid = {
  EVENT_HOST_KAFKA_BROKERS: 'kafka-1:9092,kafka-2:9092',
  EVENT_HOST_PLUGINS: '@engagement/metric-listeners',
  EVENT_HOST_REDIS_URL: 'redis://cache:6379',
  EVENT_HOST_CLICKHOUSE_URL: 'http://clickhouse:8123',
};

function fails(
  env: Record<string, string | undefined>,
  options: { file?: string; purpose?: 'start' | 'replay' } = {},
) {
  try {
    loadConfig({ env, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(HostError);
    return error as HostError;
  }
  throw new Error('expected loadConfig to fail');
}

function file(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'eh-config-')), 'host.json');
  writeFileSync(path, content);
  return path;
}

describe('loadConfig', () => {
  it('shards the cache in 16 by default, in as many as EVENT_HOST_REDIS_CACHE_SHARDS says, and names it when bad', () => {
    expect(cacheKeysOf(loadConfig({ env: valid })).shards).toBe(16);
    const one = cacheKeysOf(loadConfig({ env: { ...valid, EVENT_HOST_REDIS_CACHE_SHARDS: '1' } }));
    expect([one.shards, one.key('Image', 7), one.key('Post', 123_456)]).toEqual([
      1,
      'metrics:{s0}:Image:7',
      'metrics:{s0}:Post:123456',
    ]);
    expect(fails({ ...valid, EVENT_HOST_REDIS_CACHE_SHARDS: '0' }).message).toContain(
      'EVENT_HOST_REDIS_CACHE_SHARDS (redis.cacheShards in a config file): expected an integer from 1 to 16384, got "0"',
    );
  });

  it('reads EVENT_HOST_* variables and fills defaults', () => {
    const c = loadConfig({
      env: {
        ...valid,
        EVENT_HOST_KAFKA_TOPICS: 'app.public.Image,/^clickhouse\\..*/',
        EVENT_HOST_WORKERS: '2',
      },
    });
    expect(c.kafka.brokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(c.kafka.topics).toEqual(['app.public.Image', /^clickhouse\..*/]);
    expect(c.plugins.packages).toEqual(['@engagement/metric-listeners']);
    expect(c.workers).toBe(2);
    expect(c.kafka.groupId).toBe('event-host');
    expect(c.batch).toEqual({ flushIntervalMs: 30_000, flushRows: 50_000 });
    expect(c.shutdown.deadlineMs).toBe(25_000);
    expect(c.log).toEqual({ level: 'info', pretty: false });
    expect(loadConfig({ env: { ...valid, NODE_ENV: 'development' } }).log.pretty).toBe(true);
  });

  it('turns the re-send filter on with a week of first-seen entries, and refuses a TTL out of range', () => {
    expect(loadConfig({ env: valid }).resends).toEqual({ enabled: true, firstSeenTtlMs: 604_800_000 });
    expect(
      loadConfig({
        env: {
          ...valid,
          EVENT_HOST_RESENDS_ENABLED: 'false',
          EVENT_HOST_RESENDS_FIRST_SEEN_TTL_MS: '3600000',
        },
      }).resends,
    ).toEqual({ enabled: false, firstSeenTtlMs: 3_600_000 });
    expect(fails({ ...valid, EVENT_HOST_RESENDS_FIRST_SEEN_TTL_MS: '1000' }).message).toContain(
      'EVENT_HOST_RESENDS_FIRST_SEEN_TTL_MS (resends.firstSeenTtlMs in a config file): expected an integer from 60000 to 7776000000, got "1000"',
    );
  });

  it('keeps the periodic reconcile off by default, and names the setting it needs or refuses', () => {
    expect(loadConfig({ env: valid }).reconcile).toMatchObject({
      enabled: false,
      intervalMs: 900_000,
      sampleSize: 200,
      repair: false,
    });
    expect(fails({ ...valid, EVENT_HOST_RECONCILE_ENABLED: 'true' }).message).toContain(
      'EVENT_HOST_RECONCILE_ENABLED (reconcile.enabled): needs EVENT_HOST_POSTGRES_URL (postgres.url)',
    );
    const on = loadConfig({
      env: {
        ...valid,
        EVENT_HOST_POSTGRES_URL: 'postgres://app@db/app',
        EVENT_HOST_RECONCILE_ENABLED: 'true',
        EVENT_HOST_RECONCILE_INTERVAL_MS: '60000',
        EVENT_HOST_RECONCILE_SAMPLE_SIZE: '50',
        EVENT_HOST_RECONCILE_REPAIR: 'true',
      },
    }).reconcile;
    expect(on).toMatchObject({ enabled: true, intervalMs: 60_000, sampleSize: 50, repair: true });
    const bad = fails({
      ...valid,
      EVENT_HOST_RECONCILE_INTERVAL_MS: '10',
      EVENT_HOST_RECONCILE_SAMPLE_SIZE: '0',
    }).message;
    expect(bad).toContain(
      'EVENT_HOST_RECONCILE_INTERVAL_MS (reconcile.intervalMs in a config file): expected an integer from 1000',
    );
    expect(bad).toContain(
      'EVENT_HOST_RECONCILE_SAMPLE_SIZE (reconcile.sampleSize in a config file): expected an integer from 1',
    );
  });

  it('reads a JSON file, and environment variables win over it', () => {
    const path = file(
      JSON.stringify({ kafka: { brokers: ['file:9092'], groupId: 'from-file' }, batch: { flushRows: 10 } }),
    );
    const c = loadConfig({ env: { ...valid, EVENT_HOST_KAFKA_GROUP_ID: 'from-env' }, file: path });
    expect(c.kafka.brokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(c.kafka.groupId).toBe('from-env');
    expect(c.batch.flushRows).toBe(10);
    const viaEnv = loadConfig({
      env: { ...valid, EVENT_HOST_KAFKA_BROKERS: undefined, EVENT_HOST_CONFIG_FILE: path },
    });
    expect(viaEnv.kafka.brokers).toEqual(['file:9092']);
  });

  // Each bad setting stops boot with a message naming the variable, the file key and what was expected.
  it.each([
    [
      'a missing required setting',
      { EVENT_HOST_KAFKA_BROKERS: undefined },
      'EVENT_HOST_KAFKA_BROKERS (kafka.brokers in a config file): required, expected a comma-separated list of host:port',
    ],
    [
      'a malformed broker list',
      { EVENT_HOST_KAFKA_BROKERS: 'kafka-1' },
      'EVENT_HOST_KAFKA_BROKERS (kafka.brokers in a config file): expected a comma-separated list of host:port, got "kafka-1"',
    ],
    [
      'no plugins',
      { EVENT_HOST_PLUGINS: '' },
      'EVENT_HOST_PLUGINS (plugins.packages in a config file): required',
    ],
    [
      'a bad package name',
      { EVENT_HOST_PLUGINS: 'Not A Package' },
      'EVENT_HOST_PLUGINS (plugins.packages in a config file): expected a comma-separated list of npm package names',
    ],
    [
      'a non-Redis URL',
      { EVENT_HOST_REDIS_URL: 'http://cache' },
      'EVENT_HOST_REDIS_URL (redis.url in a config file): expected a redis:// or rediss:// URL, got "http://cache"',
    ],
    [
      'both ClickHouse locations',
      { EVENT_HOST_CLICKHOUSE_PATH: '/data/ch' },
      'EVENT_HOST_CLICKHOUSE_URL and EVENT_HOST_CLICKHOUSE_PATH: set one of them, not both',
    ],
    [
      'no ClickHouse location',
      { EVENT_HOST_CLICKHOUSE_URL: undefined },
      'EVENT_HOST_CLICKHOUSE_URL or EVENT_HOST_CLICKHOUSE_PATH: required',
    ],
    [
      'a port out of range',
      { EVENT_HOST_HTTP_PORT: '70000' },
      'EVENT_HOST_HTTP_PORT (http.port in a config file): expected an integer from 0 to 65535, got "70000"',
    ],
    [
      'a non-numeric size',
      { EVENT_HOST_BATCH_FLUSH_ROWS: 'lots' },
      'EVENT_HOST_BATCH_FLUSH_ROWS (batch.flushRows in a config file): expected an integer from 1 to 10000000, got "lots"',
    ],
    [
      'a negative worker count',
      { EVENT_HOST_WORKERS: '-1' },
      'EVENT_HOST_WORKERS (workers in a config file): expected an integer from 0 to 256, got "-1"',
    ],
    [
      'a buffer smaller than a flush',
      { EVENT_HOST_BATCH_FLUSH_ROWS: '100', EVENT_HOST_BATCH_MAX_BUFFERED_ROWS: '10' },
      'EVENT_HOST_BATCH_MAX_BUFFERED_ROWS (batch.maxBufferedRows): expected at least batch.flushRows (100), got 10',
    ],
    [
      'an unknown log level',
      { EVENT_HOST_LOG_LEVEL: 'loud' },
      'EVENT_HOST_LOG_LEVEL (log.level in a config file): expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ],
    [
      'a yes/no that is neither',
      { EVENT_HOST_LOG_PRETTY: 'maybe' },
      'EVENT_HOST_LOG_PRETTY (log.pretty in a config file): expected true or false',
    ],
    [
      'plugin settings that are not JSON',
      { EVENT_HOST_PLUGIN_SETTINGS: '{oops' },
      'EVENT_HOST_PLUGIN_SETTINGS (plugins.settings in a config file): expected a JSON object keyed by plugin id',
    ],
    [
      'a bad topic pattern',
      { EVENT_HOST_KAFKA_TOPICS: '/[unclosed/' },
      'EVENT_HOST_KAFKA_TOPICS (kafka.topics in a config file): expected a comma-separated list of topic names or /regex/',
    ],
    [
      'a bad search schedule',
      { EVENT_HOST_SEARCH_SCHEDULE: 'every five minutes' },
      'EVENT_HOST_SEARCH_SCHEDULE (search.schedule in a config file): expected a cron expression such as "*/5 * * * *", got "every five minutes"',
    ],
    [
      'a Meilisearch request timeout below a second',
      { EVENT_HOST_SEARCH_REQUEST_TIMEOUT_MS: '500' },
      'EVENT_HOST_SEARCH_REQUEST_TIMEOUT_MS (search.requestTimeoutMs in a config file): expected an integer from 1000 to 600000, got "500"',
    ],
    [
      'Meilisearch without the app database its feeds read',
      { EVENT_HOST_MEILISEARCH_URL: 'http://search:7700' },
      'EVENT_HOST_POSTGRES_URL (postgres.url): required when EVENT_HOST_MEILISEARCH_URL is set',
    ],
    [
      'a misspelt variable',
      { EVENT_HOST_KAFKA_BROKER: 'x:1' },
      'EVENT_HOST_KAFKA_BROKER: not a setting of the event host (did you mean EVENT_HOST_KAFKA_BROKERS?)',
    ],
  ])('rejects %s, naming the setting', (_case, change, message) => {
    const error = fails({ ...valid, ...change });
    expect(error.code).toBe('EH_CONFIG_INVALID');
    expect(error.message).toContain(message);
  });

  it('lists every problem at once', () => {
    const error = fails({ EVENT_HOST_HTTP_PORT: 'x' });
    for (const name of [
      'EVENT_HOST_KAFKA_BROKERS',
      'EVENT_HOST_PLUGINS',
      'EVENT_HOST_REDIS_URL',
      'EVENT_HOST_HTTP_PORT',
      'EVENT_HOST_CLICKHOUSE_URL',
    ]) {
      expect(error.message).toContain(name);
    }
  });

  it('rejects unknown keys, unreadable files and files that are not JSON objects', () => {
    expect(fails(valid, { file: file('{"kafka":{"brokerz":["a:1"]}}') }).message).toContain(
      'kafka.brokerz (config file): not a setting of the event host (did you mean kafka.brokers?)',
    );
    expect(fails(valid, { file: file('[1]') }).code).toBe('EH_CONFIG_FILE_UNREADABLE');
    expect(fails(valid, { file: file('{') }).message).toMatch(/is not JSON/);
    expect(fails(valid, { file: '/nonexistent/host.json' }).message).toContain(
      'cannot read config file /nonexistent/host.json',
    );
    expect(fails(valid, { file: file('{"http":{"port":"eighty"}}') }).message).toContain(
      'EVENT_HOST_HTTP_PORT (http.port in a config file): expected an integer from 0 to 65535, got "eighty"',
    );
  });

  it('requires only what a command needs: a replay needs plugins, not brokers or sinks', () => {
    const c = loadConfig({ env: { EVENT_HOST_PLUGINS: '@engagement/metric-listeners' }, purpose: 'replay' });
    expect(c.plugins.packages).toEqual(['@engagement/metric-listeners']);
    expect(fails({}, { purpose: 'replay' }).message).toContain('EVENT_HOST_PLUGINS');
  });
});

describe('a refused value', () => {
  it('is reported once, not again as a missing one', () => {
    const { message } = fails({ ...valid, EVENT_HOST_REDIS_URL: 'redis//cache:6379' });
    expect(message).toContain('EVENT_HOST_REDIS_URL (redis.url in a config file): expected');
    expect(message).not.toContain('required');
  });
});
