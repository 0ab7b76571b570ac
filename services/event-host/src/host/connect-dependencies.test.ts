import { describe, expect, it } from 'vitest';
import { HostError } from '../errors.js';
import { connectDependencies, type StartWait } from './connect-dependencies.js';

const base = {
  deadlineSetting: 'EVENT_HOST_START_DEADLINE_MS (start.deadlineMs)',
  initialDelayMs: 5,
  maxDelayMs: 20,
};

describe('connectDependencies', () => {
  it('retries a failing step with backoff until its dependency answers, without redoing earlier steps', async () => {
    const calls: string[] = [];
    const waits: StartWait[] = [];
    let down = 3;
    const outcome = await connectDependencies({
      ...base,
      // The jitter pinned at its top: each wait is the backoff's ceiling, which doubles up to maxDelayMs.
      random: () => 1,
      deadlineMs: 5_000,
      signal: new AbortController().signal,
      onWaiting: (w) => void waits.push(w),
      steps: [
        { dependency: 'Kafka', run: async () => void calls.push('kafka') },
        {
          dependency: 'ClickHouse',
          run: async () => {
            calls.push('clickhouse');
            if (down-- > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
          },
        },
      ],
    });
    expect(outcome).toBe('connected');
    expect(calls).toEqual(['kafka', 'clickhouse', 'clickhouse', 'clickhouse', 'clickhouse']);
    expect(waits.map((w) => [w.dependency, w.retryInMs])).toEqual([
      ['ClickHouse', 5],
      ['ClickHouse', 10],
      ['ClickHouse', 20],
    ]);
  });

  it('waits a full-jitter backoff: each wait between 0 and a ceiling doubling from 5 ms up to 20 ms', async () => {
    const waits: number[] = [];
    let down = 40;
    const outcome = await connectDependencies({
      ...base,
      deadlineMs: 5_000,
      signal: new AbortController().signal,
      onWaiting: (w) => void waits.push(w.retryInMs),
      steps: [
        {
          dependency: 'Redis',
          run: async () => {
            if (down-- > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
          },
        },
      ],
    });
    expect(outcome).toBe('connected');
    expect(waits).toHaveLength(40);
    waits.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(Math.min(20, 5 * 2 ** i));
    });
    // Jittered, not the ceiling every time (40 draws all at the ceiling would be a broken jitter).
    expect(waits.slice(2).some((ms) => ms < 20)).toBe(true);
  });

  it('gives up past the deadline with an error naming the dependency and the setting', async () => {
    const error = await connectDependencies({
      ...base,
      deadlineMs: 100,
      signal: new AbortController().signal,
      onWaiting: () => undefined,
      steps: [
        {
          dependency: (e) => ((e as Error).name.startsWith('KafkaJS') ? 'Kafka' : 'ClickHouse'),
          run: async () => {
            throw Object.assign(new Error('Connection error: connect ECONNREFUSED'), {
              name: 'KafkaJSConnectionError',
            });
          },
        },
      ],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostError);
    expect((error as HostError).code).toBe('EH_START_FAILED');
    expect((error as Error).message).toMatch(
      /Kafka still unreachable after 100 ms .*EVENT_HOST_START_DEADLINE_MS.*ECONNREFUSED/,
    );
  });

  it('gives up on an attempt that hangs past the deadline', async () => {
    const error = await connectDependencies({
      ...base,
      deadlineMs: 50,
      signal: new AbortController().signal,
      onWaiting: () => undefined,
      steps: [{ dependency: 'ClickHouse', run: () => new Promise<void>(() => undefined) }],
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/ClickHouse still unreachable after 50 ms/);
  });

  it('stops retrying when aborted (stop() while starting)', async () => {
    const stop = new AbortController();
    const outcome = connectDependencies({
      ...base,
      deadlineMs: 60_000,
      signal: stop.signal,
      onWaiting: () => stop.abort(),
      steps: [{ dependency: 'Kafka', run: async () => Promise.reject(new Error('down')) }],
    });
    expect(await outcome).toBe('aborted');
  });
});
