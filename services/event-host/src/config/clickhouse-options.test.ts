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
    });
  });

  it('or the embedded directory', () => {
    expect(clickhouseOptions({ clickhouse: { path: '/var/ch' } })).toEqual({ path: '/var/ch' });
  });
});
