import { describe, expect, it } from 'vitest';
import { clickhouseOptions } from './clickhouse-options.js';
import { loadConfig } from './load-config.js';

describe('clickhouseOptions', () => {
  it('carries the server URL with its credentials and database', () => {
    const config = loadConfig({
      env: {
        EVENT_HOST_REDIS_URL: 'redis://r:6379',
        EVENT_HOST_CLICKHOUSE_URL: 'http://ch:8123',
        EVENT_HOST_CLICKHOUSE_USERNAME: 'u',
        EVENT_HOST_CLICKHOUSE_PASSWORD: 'p',
        EVENT_HOST_CLICKHOUSE_DATABASE: 'metrics',
      },
      purpose: 'drift',
    });
    expect(clickhouseOptions(config)).toEqual({
      url: 'http://ch:8123',
      username: 'u',
      password: 'p',
      database: 'metrics',
      requestTimeoutMs: 300_000,
    });
  });

  it('carries a request timeout other than the default', () => {
    const config = loadConfig({
      env: {
        EVENT_HOST_REDIS_URL: 'redis://r:6379',
        EVENT_HOST_CLICKHOUSE_URL: 'http://ch:8123',
        EVENT_HOST_CLICKHOUSE_REQUEST_TIMEOUT_MS: '900000',
      },
      purpose: 'drift',
    });
    expect(clickhouseOptions(config)).toMatchObject({ url: 'http://ch:8123', requestTimeoutMs: 900_000 });
  });

  it('or the embedded directory', () => {
    expect(clickhouseOptions({ clickhouse: { path: '/var/ch', requestTimeoutMs: 300_000 } })).toEqual({
      path: '/var/ch',
    });
  });
});
