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

  it('counts a call left unanswered as failing, naming its sink, until it answers', async () => {
    const states: [boolean, unknown][] = [];
    const guard = new SinkGuard({ unansweredMs: 20, onSinkState: (h, e) => void states.push([h, e]) });
    let answer!: (value: string) => void;
    const frozen = guard.run(() => new Promise<string>((resolve) => (answer = resolve)), undefined, 'redis');
    await new Promise((resolve) => setTimeout(resolve, 60));
    // A frozen Redis fails nothing: only the wait says it is down.
    expect(guard.isHealthy).toBe(false);
    expect(states).toEqual([
      [false, expect.objectContaining({ sink: 'redis', code: 'EB_SINK_UNAVAILABLE' })],
    ]);
    expect(String(states[0]?.[1])).toMatch(/no answer within 20 ms; still waiting/);
    answer('stored');
    await expect(frozen).resolves.toBe('stored');
    expect(guard.isHealthy).toBe(true);
    expect(states.map(([h]) => h)).toEqual([false, true]);
  });

  it('leaves a call that answers in time healthy, its timer cleared', async () => {
    const states: boolean[] = [];
    const guard = new SinkGuard({ unansweredMs: 50, onSinkState: (h) => void states.push(h) });
    const slow = () => new Promise<string>((resolve) => setTimeout(() => resolve('stored'), 5));
    await expect(guard.run(slow, undefined, 'redis')).resolves.toBe('stored');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(states).toEqual([]);
    expect(guard.isHealthy).toBe(true);
  });
});
