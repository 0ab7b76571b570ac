import { describe, expect, it } from 'vitest';
import { SinkActivity } from './sink-activity.js';

describe('SinkActivity', () => {
  it('tracks each sink: idle, up with its last write, down with its last error', () => {
    const a = new SinkActivity(2);
    a.attempt('clickhouse', { ok: true, rows: 10, seconds: 0.2 }, 1_000);
    a.attempt('redis', { ok: true, rows: 3, seconds: 0.01 }, 1_000);
    a.attempt('redis', { ok: false, error: new Error('ECONNREFUSED') }, 2_000);
    const byName = Object.fromEntries(a.health.map((h) => [h.sink, h]));
    expect(Object.keys(byName)).toEqual(['clickhouse', 'redis', 'search', 'kafka']);
    expect(byName.clickhouse).toMatchObject({ state: 'up', lastOkAt: 1_000, lastSeconds: 0.2, lastRows: 10 });
    expect(byName.redis).toMatchObject({
      state: 'down',
      lastOkAt: 1_000,
      lastError: 'ECONNREFUSED',
      lastErrorAt: 2_000,
      failedAttempts: 1,
    });
    expect(byName.search!.state).toBe('idle');
    a.attempt('redis', { ok: true, rows: 1, seconds: 0.01 }, 3_000);
    expect(a.health[1]).toMatchObject({ state: 'up', lastError: 'ECONNREFUSED', lastOkAt: 3_000 });
  });

  it('keeps the recent flushes and counts dead letters by listener and code', () => {
    const a = new SinkActivity(2);
    a.flush(5, 0.1, 1);
    a.flush(6, 0.2, 2);
    a.flush(7, 0.3, 3);
    expect(a.flushes).toEqual([
      { t: 2, seconds: 0.2, rows: 6 },
      { t: 3, seconds: 0.3, rows: 7 },
    ]);
    a.deadLetter({ code: 'EB_DECODE_INVALID_JSON' });
    a.deadLetter({ listenerId: 'image.reactions', code: 'EB_LISTENER_FAILED' });
    a.deadLetter({ listenerId: 'image.reactions', code: 'EB_LISTENER_FAILED' });
    expect(a.deadLetters).toEqual([
      { listener: 'image.reactions', code: 'EB_LISTENER_FAILED', count: 2 },
      { listener: 'none', code: 'EB_DECODE_INVALID_JSON', count: 1 },
    ]);
  });
});
