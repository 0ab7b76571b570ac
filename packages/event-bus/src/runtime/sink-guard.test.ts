import { describe, expect, it } from 'vitest';
import { SinkError } from '../errors.js';
import { SinkGuard } from './sink-guard.js';

/** A sink that fails with the given errors, in order, then accepts. */
function sinkFailing(...errors: unknown[]) {
  const sink = {
    calls: 0,
    async write(): Promise<string> {
      const error = errors[sink.calls++];
      if (error !== undefined) throw error;
      return 'stored';
    },
  };
  return sink;
}

describe('SinkGuard', () => {
  it('retries a retriable (or unflagged) sink error until the sink accepts', async () => {
    const states: boolean[] = [];
    const guard = new SinkGuard({ retryBaseMs: 1, retryMaxMs: 2, onSinkState: (h) => void states.push(h) });
    const sink = sinkFailing(
      new SinkError('clickhouse', 'TOO_MANY_PARTS'),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
    await expect(guard.run(() => sink.write())).resolves.toBe('stored');
    expect(sink.calls).toBe(3);
    expect(states).toEqual([false, true]);
    expect(guard.isHealthy).toBe(true);
  });

  it('stops at the first non-retriable error instead of looping, and stays unhealthy', async () => {
    const states: boolean[] = [];
    const guard = new SinkGuard({ retryBaseMs: 1, retryMaxMs: 2, onSinkState: (h) => void states.push(h) });
    const schema = new SinkError('clickhouse', 'UNKNOWN_TABLE', { retriable: false });
    const sink = sinkFailing(new Error('timeout'), schema, undefined);
    await expect(guard.run(() => sink.write())).rejects.toBe(schema);
    expect(sink.calls).toBe(2);
    expect(states).toEqual([false]);
    expect(guard.isHealthy).toBe(false);
  });

  it('stops when the non-retriable error is only in the cause chain', async () => {
    const guard = new SinkGuard({ retryBaseMs: 1, retryMaxMs: 2 });
    const wrapped = new Error('insert failed', {
      cause: Object.assign(new Error('x'), { retriable: false }),
    });
    const sink = sinkFailing(wrapped, undefined);
    await expect(guard.run(() => sink.write())).rejects.toBe(wrapped);
    expect(sink.calls).toBe(1);
  });
});
