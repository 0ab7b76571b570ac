import { emptyStats } from '@engagement/event-bus/kafka';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../test/run-cli-captured.js';
import { statusOf } from '../host/host-status.js';
import type { Readiness } from '../http/readiness.js';
import { SinkActivity } from '../metrics/sink-activity.js';
import { StatusHistory } from '../metrics/status-history.js';
import { loadConfig } from './load-config.js';
import { maskJson, maskUrl, maskUrlsIn } from './mask-secrets.js';
import { SETTINGS } from './settings.js';

const PW = 'secretpw';

/** Every secret-bearing setting, with a value carrying `PW`, and how it must be printed. */
const SECRETS: Record<string, { value: string; shown: unknown }> = {
  EVENT_HOST_CLICKHOUSE_URL: {
    value: `http://default:${PW}@127.0.0.1:1`,
    shown: 'http://***@127.0.0.1:1',
  },
  EVENT_HOST_CLICKHOUSE_PASSWORD: { value: PW, shown: '***' },
  EVENT_HOST_REDIS_URL: { value: `redis://:${PW}@127.0.0.1:1`, shown: 'redis://***@127.0.0.1:1' },
  EVENT_HOST_POSTGRES_URL: {
    value: `postgres://app:${PW}@127.0.0.1:1/app?sslmode=require&sslpassword=${PW}`,
    shown: 'postgres://***@127.0.0.1:1/app?sslmode=require&sslpassword=***',
  },
  EVENT_HOST_MEILISEARCH_URL: { value: `http://search:${PW}@127.0.0.1:1`, shown: 'http://***@127.0.0.1:1' },
  EVENT_HOST_MEILISEARCH_KEY: { value: PW, shown: '***' },
  EVENT_HOST_PLUGIN_SETTINGS: {
    value: JSON.stringify({ 'image-metrics': { apiKey: PW, feed: `https://u:${PW}@feeds`, batch: 5 } }),
    shown: { 'image-metrics': { apiKey: '***', feed: 'https://***@feeds', batch: 5 } },
  },
};

const env = {
  EVENT_HOST_KAFKA_BROKERS: '127.0.0.1:1',
  EVENT_HOST_PLUGINS: '@engagement/metric-listeners',
  EVENT_HOST_CLICKHOUSE_USERNAME: 'default',
  ...Object.fromEntries(Object.entries(SECRETS).map(([k, v]) => [k, v.value])),
};

describe('secret settings', () => {
  it('are exactly the settings with a secret sample here (a new one needs a sample)', () => {
    expect(
      SETTINGS.filter((s) => s.secret)
        .map((s) => s.env)
        .sort(),
    ).toEqual(Object.keys(SECRETS).sort());
  });

  it('are masked in config check, text and JSON', async () => {
    const json = await runCliCaptured(['config', 'check', '--json'], env);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    expect(json.stdout).not.toContain(PW);
    const settings = JSON.parse(json.stdout).settings as { env: string; value: unknown }[];
    for (const [name, { shown }] of Object.entries(SECRETS)) {
      expect(settings.find((s) => s.env === name)?.value, name).toEqual(shown);
    }
    const text = await runCliCaptured(['config', 'check'], env);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toContain(PW);
    for (const [name, { shown }] of Object.entries(SECRETS)) {
      expect(text.stdout, name).toContain(`${name.padEnd(42)} ${JSON.stringify(shown)}`);
    }
  });

  it('are masked in the status document: /status.json, all the status page shows', () => {
    const config = loadConfig({ env });
    const activity = new SinkActivity();
    // A sink's last error, shown on the page, may quote a connection URL.
    activity.attempt('redis', { ok: false, error: new Error(`cannot reach redis://:${PW}@10.0.0.1:6379`) });
    const status = statusOf({
      config,
      packages: [],
      history: new StatusHistory(),
      lag: [],
      stats: emptyStats(),
      readiness: { ready: true, checks: {} } as unknown as Readiness,
      activity,
      listenerPlugins: new Map(),
      buffer: { rows: 0, capacityRows: 10 },
      rollup: { rolls: true, lastCommitAt: null, lastRoll: null, lastCompaction: null, dailyParts: null },
    });
    expect(status.sinks.find((s) => s.sink === 'redis')?.lastError).toContain('10.0.0.1:6379');
    expect(JSON.stringify(status)).not.toContain(PW);
    for (const [name, { shown }] of Object.entries(SECRETS)) {
      const setting = SETTINGS.find((s) => s.env === name)!;
      expect(status.settings[setting.path], name).toEqual(shown);
    }
    expect(status.settings['kafka.brokers']).toEqual(['127.0.0.1:1']);
  });

  it('are masked when a value is rejected', async () => {
    const out = await runCliCaptured(['config', 'check'], {
      ...env,
      EVENT_HOST_POSTGRES_URL: `mysql://app:${PW}@db/app`,
    });
    expect(out.code).toBe(78);
    expect(out.stderr).toContain('got "mysql://***@db/app"');
    expect(out.stderr).not.toContain(PW);
  });

  it.each([
    ['a URL without its colon', 'EVENT_HOST_CLICKHOUSE_URL', `http//default:${PW}@ch:8123`],
    ['a URL without its slashes (accepted)', 'EVENT_HOST_REDIS_URL', `redis:admin:${PW}@127.0.0.1:6379`],
    ['a password where the URL goes', 'EVENT_HOST_POSTGRES_URL', `not a url ${PW}`],
    ['a password holding an @ (accepted)', 'EVENT_HOST_REDIS_URL', `redis://admin:p@${PW}@127.0.0.1:6379`],
  ])('are never printed from a malformed or odd URL: %s', async (_, name, value) => {
    // Refused (exit 78, the setting named) or accepted and listed by config check: masked either way.
    const out = await runCliCaptured(['config', 'check'], { ...env, [name]: value });
    expect(out.stdout + out.stderr).toContain(name);
    expect(out.stdout + out.stderr).not.toContain(PW);
  });

  it('maskUrl and maskJson leave what is not secret alone', () => {
    expect(maskUrl('redis://127.0.0.1:6379/0')).toBe('redis://127.0.0.1:6379/0');
    expect(maskUrlsIn(`connect to "postgres://a:${PW}@db:5432/app" failed`)).toBe(
      'connect to "postgres://***@db:5432/app" failed',
    );
    expect(maskUrl('user:pw@host:1')).toBe('***@host:1');
    expect(maskUrl('http://h/?a=1&api_key=x&b=2')).toBe('http://h/?a=1&api_key=***&b=2');
    expect(maskJson({ keyPrefix: 'search:', token: 't', nested: [{ password: 'p' }] })).toEqual({
      keyPrefix: 'search:',
      token: '***',
      nested: [{ password: '***' }],
    });
  });
});
