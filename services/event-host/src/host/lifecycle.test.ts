import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type HostFeature, HostLifecycle } from './lifecycle.js';

/** A lifecycle whose log lines are kept, with a short start deadline. */
function lifecycle(deadlineMs = 2_000) {
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  return {
    logs,
    lifecycle: new HostLifecycle({ logger, deadlineMs, deadlineSetting: 'raise the deadline' }),
  };
}

/** A feature that records each hook it runs in `calls`. */
function recorded(name: string, calls: string[], hooks: Partial<HostFeature> = {}): HostFeature {
  return {
    name,
    boot: async () => void calls.push(`boot ${name}`),
    connect: { dependency: name, run: async () => void calls.push(`connect ${name}`) },
    start: () => void calls.push(`start ${name}`),
    stop: () => void calls.push(`stop ${name}`),
    ...hooks,
  };
}

describe('HostLifecycle', () => {
  it('runs boot, connect and start in the order features were added, each phase before the next', async () => {
    const calls: string[] = [];
    const { lifecycle: host } = lifecycle();
    host.add(recorded('a', calls), undefined, recorded('b', calls));
    expect(host.phase).toBe('built');
    expect(await host.start()).toBe('running');
    expect(host.phase).toBe('running');
    expect(calls).toEqual(['boot a', 'boot b', 'connect a', 'connect b', 'start a', 'start b']);
  });

  it('stops features in reverse order, then closes resources in reverse order of creation', async () => {
    const calls: string[] = [];
    const { lifecycle: host } = lifecycle();
    host.own('first', 1, () => void calls.push('close first'));
    host.add(recorded('a', calls));
    host.own('second', 2, () => void calls.push('close second'));
    host.add(recorded('b', calls));
    await host.start();
    calls.length = 0;
    expect(await host.stop()).toEqual({ failed: [] });
    expect(calls).toEqual(['stop b', 'stop a', 'close second', 'close first']);
    expect(host.phase).toBe('stopped');
  });

  it('reports what failed on the way down by name and still closes everything else', async () => {
    const calls: string[] = [];
    const { lifecycle: host, logs } = lifecycle();
    const refused = new Error('connection refused');
    const stuck = new Error('pool already ended');
    host.own('pool', 0, () => {
      throw stuck;
    });
    host.own('redis', 0, () => void calls.push('close redis'));
    host.add(
      recorded('a', calls),
      recorded('b', calls, {
        stop: async () => {
          throw refused;
        },
      }),
    );
    await host.start();
    calls.length = 0;
    const result = await host.stop();
    expect(result.failed).toEqual([
      { name: 'b', error: refused },
      { name: 'pool', error: stuck },
    ]);
    expect(calls).toEqual(['stop a', 'close redis']);
    const warned = logs.filter((l) => l.level === 40);
    expect(warned).toEqual([
      expect.objectContaining({ msg: 'host.feature.stop_failed', feature: 'b' }),
      expect.objectContaining({ msg: 'host.resource.close_failed', resource: 'pool' }),
    ]);
    expect((warned[0]!.err as { message: string }).message).toBe('connection refused');
  });

  it('stops once: a second stop returns the first result without closing again', async () => {
    const calls: string[] = [];
    const { lifecycle: host } = lifecycle();
    host.own('redis', 0, () => void calls.push('close redis'));
    const [first, second] = await Promise.all([host.stop(), host.stop()]);
    expect(second).toBe(first);
    expect(await host.stop()).toBe(first);
    expect(calls).toEqual(['close redis']);
  });

  it('a dependency still down at the deadline stops the host and fails start with EH_START_FAILED', async () => {
    const calls: string[] = [];
    const { lifecycle: host } = lifecycle(300);
    host.own('client', 0, () => void calls.push('close client'));
    host.add(
      recorded('a', calls),
      recorded('kafka', calls, {
        connect: {
          dependency: 'Kafka',
          run: async () => {
            throw new Error('ECONNREFUSED');
          },
        },
      }),
    );
    await expect(host.start()).rejects.toThrow(/^EH_START_FAILED: Kafka still unreachable after 300 ms/);
    expect(host.phase).toBe('failed');
    expect(calls).toEqual(['boot a', 'boot kafka', 'connect a', 'stop kafka', 'stop a', 'close client']);
  });

  it('stop while waiting for a dependency ends start without running the start hooks', async () => {
    const calls: string[] = [];
    const { lifecycle: host } = lifecycle(60_000);
    host.add(
      recorded('down', calls, {
        connect: {
          dependency: 'ClickHouse',
          run: async () => {
            throw new Error('down');
          },
        },
      }),
    );
    const started = host.start();
    await new Promise((r) => setTimeout(r, 50));
    expect(host.waiting?.dependency).toBe('ClickHouse');
    await host.stop();
    expect(await started).toBe('aborted');
    expect(calls).toEqual(['boot down', 'stop down']);
    expect(host.phase).toBe('stopped');
  });

  it('a failed boot fails start and leaves the closing to stop(); a failed host stays failed', async () => {
    const calls: string[] = [];
    const { lifecycle: host } = lifecycle();
    const taken = new Error('EADDRINUSE');
    host.add(
      recorded('endpoints', calls, {
        boot: async () => {
          throw taken;
        },
      }),
      recorded('later', calls),
    );
    await expect(host.start()).rejects.toBe(taken);
    expect(calls).toEqual([]);
    expect(host.phase).toBe('failed');
    await host.stop();
    expect(calls).toEqual(['stop later', 'stop endpoints']);
    expect(host.phase).toBe('failed');
    await expect(host.start()).rejects.toThrow('host is failed; build a new one to start again');
  });

  it('discard closes what a failed build made, quietly, and leaves the host failed', async () => {
    const calls: string[] = [];
    const { lifecycle: host, logs } = lifecycle();
    host.own('provisions', 0, () => void calls.push('close provisions'));
    host.own('clickhouse', 0, () => void calls.push('close clickhouse'));
    expect(await host.discard()).toEqual({ failed: [] });
    expect(calls).toEqual(['close clickhouse', 'close provisions']);
    expect(logs).toEqual([]);
    expect(host.phase).toBe('failed');
  });
});
