import { describe, expect, it } from 'vitest';
import { createMetricReader } from './metric-reader.js';

// Requests are checked before anything is read: clients whose every call throws prove nothing was.
const untouched = new Proxy(
  {},
  {
    get: (_, name) => () => {
      throw new Error(`the reader called ${String(name)} before refusing the request`);
    },
  },
);
const reader = createMetricReader({ redis: untouched as never, clickhouse: untouched as never });
const valid = { entityType: 'Model', entityIds: [1, 2], metrics: ['likeCount'], timeframes: ['all'] };

describe('a metric request the reader refuses', () => {
  it.each([
    // From a query string: read, it would come back under the key "7", and `get(7)` would miss it.
    ['an id given as text', { entityIds: [1, '7'] }, /entityIds\[1\] is "7", not an integer/],
    ['a fractional id', { entityIds: [7.5] }, /entityIds\[0\] is 7\.5, not an integer/],
    ['an id beyond 2^53', { entityIds: [2 ** 60] }, /entityIds\[0\] is 1152921504606847000, not an integer/],
    ['NaN', { entityIds: [Number.NaN] }, /entityIds\[0\] is NaN/],
    // Every timeframe the cache does not keep would read as 0.
    [
      'an unknown timeframe',
      { timeframes: ['all', 'quarter'] },
      /timeframe "quarter" is not one of day, week/,
    ],
    ['a window field as a metric', { metrics: ['likeCount:week'] }, /metric "likeCount:week" contains ":"/],
    ['a bookkeeping field as a metric', { metrics: ['~at'] }, /metric "~at" starts with "~"/],
    ['an entity type with a ":"', { entityType: 'Model:1' }, /entityType "Model:1" contains ":"/],
    ['no entity type', { entityType: '' }, /entityType "" is not a non-empty string/],
  ])('%s, with a caller error, before reading anything', async (_, change, why) => {
    const request = { ...valid, ...change } as unknown as Parameters<typeof reader.getMetrics>[0];
    const refused = reader.getMetrics(request);
    await expect(refused).rejects.toThrow(why);
    await expect(refused).rejects.toMatchObject({ code: 'EB_READ_INVALID', retriable: false });
  });
});

describe('a read while Redis is down', () => {
  it('fails as the Redis sink being unavailable, as ClickHouse outages fail as theirs', async () => {
    const closed = () => Promise.reject(new Error('Connection is closed.'));
    const redis = {
      defineCommand: () => undefined,
      get: closed,
      pipeline: () => ({ hmget: () => undefined, exec: closed }),
    };
    const down = createMetricReader({ redis: redis as never, clickhouse: untouched as never });
    await expect(down.getMetrics(valid as never)).rejects.toMatchObject({
      code: 'EB_SINK_UNAVAILABLE',
      sink: 'redis',
      retriable: true,
      message: 'EB_SINK_UNAVAILABLE: sink "redis": Connection is closed.',
    });
  });
});
